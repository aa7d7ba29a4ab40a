// Helpers for postgres:// URLs. WHATWG URL parses them (non-special scheme), which keeps
// percent-encoded user names and passwords intact.

/** Where the control plane lives when DATABASE_URL is unset: the local Postgres of every dev/CI machine. */
export const DEFAULT_DATABASE_URL = "postgresql://root@127.0.0.1:5432/sluice";

/** The database a URL names; like libpq, falls back to the user name when the path is empty. */
export function databaseName(url: string): string {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  return name || decodeURIComponent(parsed.username) || "postgres";
}

/** The same server and credentials, another database (e.g. `postgres` for CREATE DATABASE). */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/** host:port for messages; never the credentials. */
export function serverAddress(url: string): string {
  const parsed = new URL(url);
  return parsed.host || parsed.searchParams.get("host") || "localhost:5432";
}

/** The URL with its password masked, safe to print. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "****";
  return parsed.toString();
}

/** Double-quotes an SQL identifier (database names cannot be bound as parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
