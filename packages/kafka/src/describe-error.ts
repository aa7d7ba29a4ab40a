/**
 * The innermost useful reason of an error, e.g. "ECONNREFUSED" rather than a client library's
 * "Cannot connect to any broker.": walks nested `errors` (AggregateError) and `cause`.
 */
export function describeError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const e = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
    current = e.errors?.[0] ?? e.cause;
  }
  if (error instanceof Error && error.message) return error.message;
  return String(error);
}
