import { randomBytes } from "node:crypto";
import { connect } from "../connect";
import { quoteIdentifier, withDatabase } from "../database-url";
import { readDatabaseUrl } from "../env";

export type TempDatabase = {
  name: string;
  url: string;
  /** Drops the database, disconnecting anything still attached (e.g. a forgotten pool). */
  drop: () => Promise<void>;
};

/**
 * An empty, uniquely named database on the server of DATABASE_URL, for one test file. Unique names
 * let test files and concurrent CI jobs share one Postgres without seeing each other's rows.
 */
export async function createTempDatabase(prefix = "sluice_test"): Promise<TempDatabase> {
  const base = readDatabaseUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await adminQuery(base, `CREATE DATABASE ${quoteIdentifier(name)}`);
  return {
    name,
    url: withDatabase(base, name),
    drop: () => adminQuery(base, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  };
}

async function adminQuery(base: string, sql: string): Promise<void> {
  const admin = await connect(withDatabase(base, "postgres"), base);
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
