import type { RecordError } from "../events/dead-letter-record";
import { ExpressionEvaluationError } from "../expr/expression-error";
import { type CompiledExpression, compileExpression, type ExpressionKind } from "../expr/compile-expression";

/**
 * Compiles an expression from an already-validated config. A failure here means the config skipped
 * validateGraph, which is a programming error, so it throws instead of returning a result.
 */
export function mustCompile<K extends ExpressionKind>(source: string, kind: K, what: string): CompiledExpression<K> {
  const compiled = compileExpression(source, { kind });
  if (!compiled.ok)
    throw new Error(`${what} does not compile (${compiled.error.message}); validate the graph before creating cores`);
  return compiled;
}

/** Turns anything thrown while processing one record into the error carried to the error port. */
export function toRecordError(error: unknown): RecordError {
  if (error instanceof ExpressionEvaluationError) {
    const where = error.position ? ` at line ${error.position.line}, column ${error.position.column}` : "";
    return { code: error.code, message: `${error.message}${where} in \`${error.source}\`` };
  }
  if (error instanceof Error) return { code: "core.failure", message: error.message };
  return { code: "core.failure", message: String(error) };
}

/**
 * A copy of `entries` without a prototype, for objects keyed by user data: `__proto__`,
 * `constructor` or `toString` are then ordinary keys (a plain object would read Object.prototype's
 * members for them, and assigning `__proto__` would replace its prototype instead of storing a value).
 */
export function dictionary<V>(entries: Readonly<Record<string, V>> = {}): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, entries);
}
