// No "server-only" marker: `npm start`'s demo seed runs services that throw these (scripts/lib/seed.ts).
import type { GraphProblem } from "@sluice/shared";

/**
 * What a service refuses, and why, without knowing the transport. The tRPC layer (trpc/errors.ts)
 * maps each kind to a tRPC code, and the public REST API to the matching HTTP status: one table,
 * DOMAIN_TO_TRPC. `nodeIds` names the pipeline nodes concerned, so dialogs can link to them.
 */
export type DomainErrorKind =
  | "not-found"
  | "conflict"
  | "forbidden"
  | "invalid-input"
  | "precondition-failed"
  | "too-many-requests"
  | "timeout"
  | "too-large"
  | "unprocessable"
  | "dependency-failed";

type ErrorOptions = { nodeIds?: readonly string[]; cause?: unknown };

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly nodeIds: readonly string[];

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.nodeIds = options.nodeIds ?? [];
  }

  /** A refusal listing (up to five of) the problems after `lead`, naming their nodes. */
  static fromProblems<E extends DomainError>(
    this: new (
      message: string,
      options?: ErrorOptions,
    ) => E,
    lead: string,
    problems: readonly Pick<GraphProblem, "message" | "nodeId">[],
  ): E {
    const nodeIds = [...new Set(problems.flatMap((p) => (p.nodeId ? [p.nodeId] : [])))];
    return new this(
      `${lead}: ${problems
        .slice(0, 5)
        .map((p) => p.message)
        .join("; ")}`,
      { nodeIds },
    );
  }
}

/** The thing does not exist, or not in the caller's workspace (its existence is not disclosed). */
export class NotFoundError extends DomainError {
  readonly kind = "not-found";
}
/** The change collides with the current state (a name taken, a newer draft, already used). */
export class ConflictError extends DomainError {
  readonly kind = "conflict";
}
/** The caller may not do this (beyond the scope checks of the procedure). */
export class ForbiddenError extends DomainError {
  readonly kind = "forbidden";
}
/** The input is wrong in a way its schema cannot say. */
export class InvalidInputError extends DomainError {
  readonly kind = "invalid-input";
}
/** Valid, but not now: something must happen first (stop the pipeline, deploy, fix the graph). */
export class PreconditionFailedError extends DomainError {
  readonly kind = "precondition-failed";
}
export class TooManyRequestsError extends DomainError {
  readonly kind = "too-many-requests";
}
export class TimeoutError extends DomainError {
  readonly kind = "timeout";
}
export class TooLargeError extends DomainError {
  readonly kind = "too-large";
}
/** Understood, but cannot be processed within the limits (e.g. a preview out of memory). */
export class UnprocessableError extends DomainError {
  readonly kind = "unprocessable";
}
/** A system we depend on (Kafka) refused; the message says what happened. */
export class DependencyFailedError extends DomainError {
  readonly kind = "dependency-failed";
}
