import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { DomainError, type DomainErrorKind } from "../errors";

/** The one mapping of domain errors to transport codes (HTTP statuses follow from tRPC's own table). */
const DOMAIN_TO_TRPC: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  "not-found": "NOT_FOUND",
  conflict: "CONFLICT",
  forbidden: "FORBIDDEN",
  "invalid-input": "BAD_REQUEST",
  "precondition-failed": "PRECONDITION_FAILED",
  "too-many-requests": "TOO_MANY_REQUESTS",
  timeout: "TIMEOUT",
  "too-large": "PAYLOAD_TOO_LARGE",
  unprocessable: "UNPROCESSABLE_CONTENT",
  "dependency-failed": "INTERNAL_SERVER_ERROR",
};

/** A domain error as the tRPC error the client sees (the domain error stays its cause). */
export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: DOMAIN_TO_TRPC[error.kind], message: error.message, cause: error });
}

/** A subscription's stream whose domain errors (thrown while it runs) reach the client as tRPC errors. */
export async function* mapDomainErrors<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    throw e instanceof DomainError ? toTRPCError(e) : e;
  }
}

/** The domain error behind a tRPC error (thrown by a service and wrapped by tRPC), if any. */
export function domainCause(error: TRPCError): DomainError | null {
  return error.cause instanceof DomainError ? error.cause : null;
}

/** The HTTP status and code of any error a procedure raised, for the public REST API. */
export function httpError(error: TRPCError): { status: number; code: TRPC_ERROR_CODE_KEY; message: string } {
  const domain = domainCause(error);
  const mapped = domain && error.code !== DOMAIN_TO_TRPC[domain.kind] ? toTRPCError(domain) : error;
  return { status: getHTTPStatusCodeFromError(mapped), code: mapped.code, message: mapped.message };
}

export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;
