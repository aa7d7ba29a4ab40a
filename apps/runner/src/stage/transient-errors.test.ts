import { S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { isConnectionError } from "./transient-errors";

const withCode = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("isConnectionError", () => {
  it("treats refused, reset and timed-out connections as transient", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"])
      expect(isConnectionError(withCode(code))).toBe(true);
    expect(isConnectionError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionError(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isConnectionError(new Error("Connection is closed."))).toBe(true);
    expect(isConnectionError(new Error("Query read timeout"))).toBe(true);
  });

  it("treats server-side connection SQLSTATEs as transient", () => {
    for (const code of ["08006", "08001", "57P01", "53300", "40001", "40P01"])
      expect(isConnectionError(withCode(code))).toBe(true);
  });

  it("finds the cause of a wrapped error and every error of an AggregateError", () => {
    expect(isConnectionError(new Error("sink write failed", { cause: withCode("ECONNREFUSED") }))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")]))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode("ECONNREFUSED"), new Error("bad")]))).toBe(false);
  });

  it("treats an object store's 5xx and timeouts as transient, its 4xx not (AWS SDK errors)", () => {
    const s3Error = (name: string, status: number, fault: "client" | "server") =>
      new S3ServiceException({ name, message: name, $fault: fault, $metadata: { httpStatusCode: status } });
    expect(isConnectionError(s3Error("ServiceUnavailable", 503, "server"))).toBe(true);
    expect(isConnectionError(s3Error("SlowDown", 503, "server"))).toBe(true);
    expect(isConnectionError(s3Error("TooManyRequests", 429, "client"))).toBe(true);
    expect(isConnectionError(s3Error("RequestTimeout", 400, "client"))).toBe(true);
    expect(isConnectionError(s3Error("InvalidArgument", 400, "client"))).toBe(false);
    expect(
      isConnectionError(Object.assign(new Error("Connection timed out after 5000 ms"), { name: "TimeoutError" })),
    ).toBe(true);
    expect(isConnectionError(s3Error("AccessDenied", 403, "client"))).toBe(false);
    expect(
      isConnectionError(new Error("object store refused", { cause: s3Error("NoSuchBucket", 404, "client") })),
    ).toBe(false);
  });

  it("leaves data errors to the dead-letter path", () => {
    for (const code of ["23505", "23502", "22P02", "42703", "42P01"])
      expect(isConnectionError(withCode(code))).toBe(false);
    expect(isConnectionError(new Error('column "x" does not exist'))).toBe(false);
    expect(isConnectionError(new TypeError("x is not a function"))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
    expect(isConnectionError("ECONNREFUSED")).toBe(false);
  });
});
