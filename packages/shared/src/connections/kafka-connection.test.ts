import { describe, expect, it } from "vitest";
import {
  credentialsFor,
  credentialsProblem,
  KafkaConnectionConfig,
  KafkaCredentials,
  kafkaClientSettings,
  needsCredentials,
  type KafkaSecurity,
} from "./kafka-connection";

const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
const mtls: KafkaSecurity = { protocol: "ssl", clientCertificate: true };
const saslMtls: KafkaSecurity = { protocol: "sasl_ssl", mechanism: "PLAIN", clientCertificate: true };

describe("Kafka connection credentials", () => {
  it("accepts an unencrypted PEM key only", () => {
    expect(KafkaCredentials.safeParse({ clientCert: cert, clientKey: key }).success).toBe(true);
    const encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----";
    expect(KafkaCredentials.safeParse({ clientCert: cert, clientKey: encrypted }).success).toBe(false);
    expect(
      KafkaConnectionConfig.safeParse({
        bootstrapServers: ["k:9093"],
        security: { protocol: "sasl_plaintext", mechanism: "PLAIN", clientCertificate: true },
      }).success,
    ).toBe(false);
  });

  it("needs exactly what the security uses", () => {
    expect(needsCredentials({ protocol: "ssl" })).toBe(false);
    expect(needsCredentials(mtls)).toBe(true);
    expect(credentialsProblem(mtls, { clientCert: cert })).toMatch(/private key/);
    expect(credentialsProblem(mtls, { clientCert: cert, clientKey: key })).toBeUndefined();
    expect(credentialsProblem(mtls, { clientCert: cert, clientKey: key, username: "u", password: "p" })).toMatch(
      /no username/,
    );
    expect(credentialsProblem({ protocol: "ssl" }, { clientCert: cert, clientKey: key })).toMatch(/only used/);
    expect(credentialsProblem(saslMtls, { clientCert: cert, clientKey: key })).toMatch(/SASL needs/);
    expect(
      credentialsProblem(saslMtls, { clientCert: cert, clientKey: key, username: "u", password: "p" }),
    ).toBeUndefined();
  });

  it("merges saved and new credentials, keeping only what the security uses", () => {
    const saved = { username: "u", password: "old", clientCert: cert, clientKey: key };
    expect(credentialsFor(saslMtls, saved, { password: "new" })).toEqual({ ...saved, password: "new" });
    expect(credentialsFor(mtls, saved)).toEqual({ clientCert: cert, clientKey: key });
    expect(credentialsFor({ protocol: "plaintext" }, saved)).toBeUndefined();
  });

  it("turns them into client TLS and SASL options, refusing missing ones", () => {
    const config = { bootstrapServers: ["k:9093"], security: { ...saslMtls, ca: cert } } as KafkaConnectionConfig;
    expect(kafkaClientSettings(config, { username: "u", password: "p", clientCert: cert, clientKey: key })).toEqual({
      brokers: ["k:9093"],
      tls: { ca: cert, cert, key },
      sasl: { mechanism: "PLAIN", username: "u", password: "p" },
    });
    expect(() => kafkaClientSettings(config, { username: "u", password: "p" })).toThrow(/private key/);
    expect(kafkaClientSettings({ bootstrapServers: ["k:9093"], security: { protocol: "ssl" } }, undefined)).toEqual({
      brokers: ["k:9093"],
      tls: {},
    });
  });
});
