import pg from "pg";
import { databaseName, redactUrl, serverAddress } from "./database-url";
import { DatabaseUnavailableError, MigrationError } from "./errors";

// Node reports refused/unresolvable connections with these codes; with happy-eyeballs (several
// addresses for one host name) they arrive wrapped in an AggregateError.
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT",
]);

function errorCodes(error: unknown): string[] {
  if (typeof error !== "object" || error === null) return [];
  const own = "code" in error && typeof error.code === "string" ? [error.code] : [];
  const nested = error instanceof AggregateError ? error.errors.flatMap(errorCodes) : [];
  return [...own, ...nested];
}

const HOW_TO_FIX =
  "Start Postgres (`npm start` starts the local one; with Docker: `docker compose up -d postgres`), " +
  "or set DATABASE_URL to a reachable server";

/** Turns a failed connection attempt into a DatabaseUnavailableError; other errors pass through. */
export function describeConnectError(error: unknown, url: string): unknown {
  if (error instanceof DatabaseUnavailableError || error instanceof MigrationError) return error;
  const codes = errorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  const shown = redactUrl(url);
  if (codes.includes("3D000")) {
    return new DatabaseUnavailableError(
      `Database "${databaseName(url)}" does not exist on ${serverAddress(url)} (DATABASE_URL=${shown}). ` +
        "Create it with ensureDatabase() / `npm run -w @sluice/db migrate`, or fix DATABASE_URL.",
      "database_missing",
    );
  }
  if (codes.includes("28P01") || codes.includes("28000")) {
    return new DatabaseUnavailableError(
      `Postgres at ${serverAddress(url)} rejected the credentials in DATABASE_URL=${shown}: ${message}`,
      "auth_failed",
    );
  }
  // Errors the server sent carry a `severity`; the connection-level ones ("Connection terminated
  // unexpectedly", "... due to connection timeout") do not, and only have a message to go by.
  const fromServer = typeof error === "object" && error !== null && "severity" in error;
  if (codes.some((code) => UNREACHABLE_CODES.has(code)) || (!fromServer && /timeout|terminated/i.test(message))) {
    return new DatabaseUnavailableError(
      `Cannot reach Postgres at ${serverAddress(url)} (${codes[0] ?? message}). ${HOW_TO_FIX} (now ${shown}).`,
      "unreachable",
    );
  }
  return error;
}

/**
 * Connected pg client; connection failures become DatabaseUnavailableError. `reportedUrl` is the URL
 * the user configured, when `url` is derived from it (e.g. the `postgres` maintenance database).
 */
export async function connect(url: string, reportedUrl = url): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A server restart mid-session emits 'error' on the client; without a listener it would crash the
  // process instead of failing the pending query.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describeConnectError(error, reportedUrl);
  }
  return client;
}
