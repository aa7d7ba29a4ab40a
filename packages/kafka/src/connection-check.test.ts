// The categories of classifyKafkaError on the client library's own error shapes (the integration test
// provokes auth, TLS and unreachable for real; a timeout needs a broker that never answers).
import { AuthenticationError, MultipleErrors, NetworkError, TimeoutError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { classifyKafkaError } from "./connection-check";

const wrapped = (inner: Error) =>
  new MultipleErrors("Cannot connect to any broker.", [
    new NetworkError("Connection to 10.0.0.1:9092 failed.", { cause: inner }),
  ]);

describe("classifyKafkaError", () => {
  it("sorts the client's errors into categories", () => {
    expect(classifyKafkaError(wrapped(new AuthenticationError("SASL authentication failed.")))).toMatchObject({
      category: "auth",
    });
    expect(
      classifyKafkaError(
        wrapped(
          Object.assign(new Error("unable to verify the first certificate"), {
            code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          }),
        ),
      ),
    ).toEqual({
      category: "tls",
      message: "TLS handshake failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    });
    expect(
      classifyKafkaError(
        wrapped(Object.assign(new Error("getaddrinfo ENOTFOUND kafka.invalid"), { code: "ENOTFOUND" })),
      ),
    ).toEqual({ category: "unreachable", message: "cannot reach the brokers (ENOTFOUND)" });
    expect(classifyKafkaError(wrapped(new TimeoutError("Connection to 10.0.0.1:9092 timed out.")))).toMatchObject({
      category: "timeout",
    });
    expect(classifyKafkaError(new Error("something else"))).toEqual({ category: "other", message: "something else" });
  });

  it("names a closed SASL handshake as the TLS mismatch it usually is", () => {
    const closed = new AuthenticationError("Cannot find a suitable SASL mechanism.", {
      cause: new NetworkError("Connection closed"),
    });
    expect(classifyKafkaError(wrapped(closed))).toMatchObject({
      category: "tls",
      message: expect.stringContaining("SASL_SSL"),
    });
  });
});
