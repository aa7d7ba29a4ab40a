import type { SourcePosition } from "./source-position";

export type ExpressionErrorCode =
  | "expression.syntax"
  | "expression.type"
  | "expression.regex"
  | "expression.too-complex"
  | "expression.too-long";

/** A compile-time problem in an expression, located in its source. */
export type ExpressionError = {
  code: ExpressionErrorCode;
  message: string;
  position: SourcePosition;
  /** Exclusive end offset of the offending range, when known (for underlining). */
  endOffset?: number;
};

/**
 * Thrown by `evaluate()` when an expression fails on one event (missing key, division by zero,
 * wrong result type: `expression.evaluation`; over its cost budget: `expression.budget`). Cores
 * catch it and send that event to the node's error port.
 */
export class ExpressionEvaluationError extends Error {
  override readonly name = "ExpressionEvaluationError";
  constructor(
    message: string,
    readonly source: string,
    readonly position: SourcePosition | undefined,
    readonly code: "expression.evaluation" | "expression.budget" = "expression.evaluation",
  ) {
    super(message);
  }
}
