import { describe, expect, it } from "vitest";
import { connectionOptions } from "./kafka-connections";

const bootstrapServers = ["a.example.com:9092", "b.example.com:9093"];

describe("connectionOptions", () => {
  it("maps PLAINTEXT and SSL to brokers (with TLS on the system CAs)", () => {
    expect(connectionOptions({ bootstrapServers, security: { protocol: "plaintext" } }, undefined)).toEqual({
      brokers: bootstrapServers,
    });
    expect(connectionOptions({ bootstrapServers, security: { protocol: "ssl" } }, undefined)).toEqual({
      brokers: bootstrapServers,
      tls: {},
    });
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    expect(connectionOptions({ bootstrapServers, security: { protocol: "ssl", ca } }, undefined)).toEqual({
      brokers: bootstrapServers,
      tls: { ca },
    });
  });

  it("adds SASL with the opened credentials, and refuses SASL without them", () => {
    const credentials = { username: "svc", password: "pw" };
    expect(
      connectionOptions(
        { bootstrapServers, security: { protocol: "sasl_ssl", mechanism: "SCRAM-SHA-512" } },
        credentials,
      ),
    ).toEqual({
      brokers: bootstrapServers,
      tls: {},
      sasl: { mechanism: "SCRAM-SHA-512", username: "svc", password: "pw" },
    });
    expect(
      connectionOptions(
        { bootstrapServers, security: { protocol: "sasl_plaintext", mechanism: "PLAIN" } },
        credentials,
      ),
    ).toEqual({
      brokers: bootstrapServers,
      sasl: { mechanism: "PLAIN", username: "svc", password: "pw" },
    });
    expect(() =>
      connectionOptions({ bootstrapServers, security: { protocol: "sasl_plaintext", mechanism: "PLAIN" } }, undefined),
    ).toThrow(/SASL needs a username and a password/);
  });
});
