import pg from "pg";
import { ensureDatabase, migrateDatabase } from "@sluice/db";

/** Drops and recreates the database named in `url`, then applies every migration (tests, benchmarks). */
export async function recreateDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
  await ensureDatabase(url);
  await migrateDatabase(url, { log: () => {} });
}
