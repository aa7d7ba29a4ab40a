// Applies prisma/migrations without Prisma's native schema engine (which cannot be downloaded here),
// keeping Prisma's bookkeeping so that `prisma migrate deploy` can take over the same database:
// - the same _prisma_migrations table and checksum (sha256 hex of migration.sql),
// - the same session advisory lock key, so this runner and Prisma never migrate concurrently.
// Unlike `migrate deploy`, each migration runs in one transaction together with its bookkeeping row,
// so a failure leaves no half-applied migration behind. Migrations must therefore be
// transaction-safe (no CREATE INDEX CONCURRENTLY, no BEGIN/COMMIT of their own).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { connect, describeConnectError } from "./connect";
import { databaseName, quoteIdentifier, serverAddress, withDatabase } from "./database-url";
import { DatabaseUnavailableError, MigrationError } from "./errors";
import { defaultMigrationsDir, matchesChecksum, readMigrationsFolder, type LocalMigration } from "./migrations-folder";

// Prisma Migrate's advisory lock key (prisma-engines, postgres flavour).
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Verbatim from prisma-engines' Postgres connector, so Prisma recognises a table we created.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export type MigrateOptions = {
  /** Folder in Prisma's layout (<name>/migration.sql). Default: the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Receives one line per step. Default: silent. */
  log?: (line: string) => void;
};

export type MigrateResult = {
  /** Names applied by this call, in order; empty when the database was up to date. */
  applied: string[];
};

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

/**
 * Applies pending migrations in name order, each in its own transaction, under Prisma's advisory lock.
 * Refuses to run when an applied migration's file changed or a previous (Prisma) run left an unfinished
 * migration. Throws DatabaseUnavailableError when Postgres cannot be used, MigrationError otherwise.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await readMigrationsFolder(options.migrationsDir ?? defaultMigrationsDir());
  const client = await connect(url);
  try {
    await lock(client, log);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<AppliedRow>(
        "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at",
      );
      const pending = pendingMigrations(migrations, rows, log);
      for (const migration of pending) {
        log(`Applying migration ${migration.name}`);
        await applyMigration(client, migration);
      }
      log(
        pending.length === 0
          ? `Database ${databaseName(url)} is up to date (${migrations.length} migrations).`
          : `Applied ${pending.length} migration(s) to ${databaseName(url)}.`,
      );
      return { applied: pending.map((migration) => migration.name) };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    }
  } catch (error) {
    // A connection lost mid-run is still "Postgres unavailable" to the caller.
    throw describeConnectError(error, url);
  } finally {
    await client.end().catch(() => {});
  }
}

async function lock(client: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
    PRISMA_MIGRATE_LOCK_KEY,
  ]);
  if (rows[0]?.locked) return;
  log("Another process is migrating this database; waiting for it to finish...");
  await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
}

/** Validates history against the folder and returns what is left to apply, in name order. */
function pendingMigrations(local: LocalMigration[], rows: AppliedRow[], log: (line: string) => void): LocalMigration[] {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) do not count as applied.
  const live = rows.filter((row) => row.rolled_back_at === null);

  const unfinished = live.filter((row) => row.finished_at === null).map((row) => row.migration_name);
  if (unfinished.length > 0) {
    throw new MigrationError(
      `_prisma_migrations records unfinished migration(s): ${unfinished.join(", ")}. A previous run failed part-way; ` +
        "repair the database by hand, then mark it with `prisma migrate resolve --rolled-back <name>` or delete its row.",
      "unfinished_migration",
    );
  }

  const applied = new Map(live.map((row) => [row.migration_name, row.checksum]));
  const changed = local.filter((migration) => {
    const checksum = applied.get(migration.name);
    return checksum !== undefined && !matchesChecksum(migration.sql, checksum);
  });
  if (changed.length > 0) {
    throw new MigrationError(
      `Applied migration(s) were edited after being applied: ${changed.map((migration) => migration.name).join(", ")}. ` +
        "Restore the original migration.sql and put the change in a new migration (npm run -w @sluice/db migration:new -- <name>).",
      "checksum_mismatch",
    );
  }

  const known = new Set(local.map((migration) => migration.name));
  const unknown = [...applied.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    log(`Warning: the database has migrations this code does not know (newer code ran here?): ${unknown.join(", ")}`);
  }

  return local.filter((migration) => !applied.has(migration.name));
}

async function applyMigration(client: pg.Client, migration: LocalMigration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())",
      [randomUUID(), migration.checksum, migration.name],
    );
    // No parameters: pg then uses the simple query protocol, which runs a multi-statement script.
    await client.query(migration.sql);
    await client.query(
      "UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL",
      [migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw migrationFailed(migration, error);
  }
}

function migrationFailed(migration: LocalMigration, error: unknown): unknown {
  // Connection-level failures are reported as such by the caller.
  if (!(error instanceof Error) || !("severity" in error)) return error;
  const position = "position" in error && typeof error.position === "string" ? Number(error.position) : NaN;
  const where = Number.isFinite(position) ? ` (line ${migration.sql.slice(0, position - 1).split("\n").length})` : "";
  return new MigrationError(
    `Migration ${migration.name} failed${where}: ${error.message}. It was rolled back; nothing of it was applied.`,
    "migration_failed",
  );
}

/**
 * Creates the database named in `url` when it does not exist, connecting to the server's `postgres`
 * database to do so. Returns whether it created it. Safe to call concurrently.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = await connect(withDatabase(url, "postgres"), url);
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // Lost a race with another process creating it: duplicate_database, or the catalog's unique index.
      if (code === "42P04" || code === "23505") return false;
      if (code === "42501") {
        throw new DatabaseUnavailableError(
          `Database "${name}" does not exist on ${serverAddress(url)} and this user may not create it: ` +
            "create it as an administrator, or point DATABASE_URL at an existing database.",
          "database_missing",
        );
      }
      throw error;
    }
  } catch (error) {
    throw describeConnectError(error, url);
  } finally {
    await admin.end().catch(() => {});
  }
}
