// Which failures of a sink or lookup are the connection's, not the events': those are waited out
// (retried without limit, the partition pauses and back-pressure builds) instead of dead-lettering
// events that did nothing wrong. Everything else (constraint violations, bad values, 4xx) is the
// data's fault and is dead-lettered after the pool's bounded attempts.

/** Node.js / libuv error codes of a connection that failed, was refused, reset or timed out. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * PostgreSQL SQLSTATEs that say "the server, not your row": connection exceptions (class 08),
 * shutdown/crash (57P01-57P03), too many connections (53300), out of resources (53xxx), and
 * serialization failures / deadlocks (40001, 40P01), which succeed when retried.
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "40001" ||
    code === "40P01"
  );
}

/** Messages of clients that do not set a code (node-postgres pool, ioredis). */
const NETWORK_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /connection is closed/i,
  /reached the max retries per request limit/i,
  /client has encountered a connection error/i,
  /socket hang up/i,
];

export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)))
  )
    return true;
  if (typeof message === "string" && NETWORK_MESSAGES.some((re) => re.test(message))) return true;
  // AWS SDK (s3-sink): the service answered 5xx (unavailable, throttled, internal error), throttled
  // with a 429 (R2, GCS interoperability), dropped a slow upload (S3's 400 RequestTimeout) or timed out.
  const aws = error as { $fault?: unknown; name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (
    aws.$fault === "server" ||
    aws.name === "TimeoutError" ||
    (aws.$fault === "client" && (aws.$metadata?.httpStatusCode === 429 || aws.name === "RequestTimeout"))
  )
    return true;
  if (cause && isConnectionError(cause, depth + 1)) return true;
  // AggregateError (e.g. every address of a host refused the connection).
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => isConnectionError(e, depth + 1));
}
