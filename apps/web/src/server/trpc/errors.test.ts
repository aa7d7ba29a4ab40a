import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  DependencyFailedError,
  type DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
  TimeoutError,
  TooLargeError,
  TooManyRequestsError,
  UnprocessableError,
} from "../errors";
import { httpError, toTRPCError } from "./errors";

describe("domain errors", () => {
  it("map to one tRPC code and HTTP status each", () => {
    const cases: [DomainError, string, number][] = [
      [new NotFoundError("x"), "NOT_FOUND", 404],
      [new ConflictError("x"), "CONFLICT", 409],
      [new ForbiddenError("x"), "FORBIDDEN", 403],
      [new InvalidInputError("x"), "BAD_REQUEST", 400],
      [new PreconditionFailedError("x"), "PRECONDITION_FAILED", 412],
      [new TooManyRequestsError("x"), "TOO_MANY_REQUESTS", 429],
      [new TimeoutError("x"), "TIMEOUT", 408],
      [new TooLargeError("x"), "PAYLOAD_TOO_LARGE", 413],
      [new UnprocessableError("x"), "UNPROCESSABLE_CONTENT", 422],
      [new DependencyFailedError("x"), "INTERNAL_SERVER_ERROR", 500],
    ];
    for (const [error, code, status] of cases) {
      const trpc = toTRPCError(error);
      expect([trpc.code, trpc.message, trpc.cause]).toEqual([code, "x", error]);
      expect(httpError(trpc)).toEqual({ status, code, message: "x" });
      // As tRPC wraps what a resolver throws: the domain error is the cause of an internal error.
      expect(httpError(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: error }))).toEqual({
        status,
        code,
        message: "x",
      });
    }
  });

  it("name the nodes of the problems they list", () => {
    const e = PreconditionFailedError.fromProblems("Version 2 cannot be deployed", [
      { message: "a", nodeId: "n1" },
      { message: "b" },
      { message: "c", nodeId: "n1" },
      { message: "d", nodeId: "n2" },
    ]);
    expect(e).toBeInstanceOf(PreconditionFailedError);
    expect(e.message).toBe("Version 2 cannot be deployed: a; b; c; d");
    expect(e.nodeIds).toEqual(["n1", "n2"]);
    expect(e.name).toBe("PreconditionFailedError");
  });
});
