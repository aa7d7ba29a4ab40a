// The runner's Postgres pool: /healthz pings it, and the engine's control-plane statements run on it
// (control-db.ts).
import pg from "pg";
import type { Logger } from "../log";

export type Postgres = {
  pool: pg.Pool;
  /** One round trip (`select 1`). */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type PostgresOptions = {
  /** Pool size. Default 4: the runner's database work is light; events never touch Postgres. */
  max?: number;
  /** Default 3 s, so a dead server fails a health check instead of hanging it. */
  connectionTimeoutMs?: number;
};

export function createPostgres(url: string, log: Logger, options: PostgresOptions = {}): Postgres {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
    application_name: "sluice-runner",
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, it would kill the process.
  pool.on("error", (err) => log.warn({ err, module: "postgres" }, "idle Postgres connection failed"));
  return {
    pool,
    async ping() {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
}
