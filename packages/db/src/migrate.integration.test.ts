import { createHash } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "./database-url";
import { DatabaseUnavailableError, MigrationError } from "./errors";
import { ensureDatabase, migrateDatabase } from "./migrate";
import { defaultMigrationsDir, readMigrationsFolder } from "./migrations-folder";
import { createTempDatabase, type TempDatabase } from "./testing/temp-database";

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe("migrateDatabase", () => {
  let db: TempDatabase;
  // A scratch copy of prisma/migrations: tests add and edit migrations there, never in the repo.
  let scratch: string;

  beforeAll(async () => {
    db = await createTempDatabase();
    scratch = await mkdtemp(path.join(tmpdir(), "sluice-migrations-"));
    await cp(defaultMigrationsDir(), scratch, { recursive: true });
  });

  afterAll(async () => {
    await db?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("applies every committed migration and records it like Prisma does", async () => {
    const local = await readMigrationsFolder(defaultMigrationsDir());
    expect(local.length).toBeGreaterThan(0);
    const lines: string[] = [];

    const result = await migrateDatabase(db.url, { log: (line) => lines.push(line) });

    expect(result.applied).toEqual(local.map((migration) => migration.name));
    expect(lines.some((line) => line.startsWith("Applying migration"))).toBe(true);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished: boolean;
      applied_steps_count: number;
      logs: string | null;
    }>(
      db.url,
      "SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count, logs FROM _prisma_migrations ORDER BY migration_name",
    );
    const expected = await Promise.all(
      local.map(async (migration) => ({
        migration_name: migration.name,
        // Independently computed: sha256 hex of the file's bytes, as `prisma migrate deploy` records it.
        checksum: createHash("sha256")
          .update(await readFile(path.join(defaultMigrationsDir(), migration.name, "migration.sql")))
          .digest("hex"),
        finished: true,
        applied_steps_count: 1,
        logs: null,
      })),
    );
    expect(rows).toEqual(expected);
  });

  it("is idempotent", async () => {
    const before = await query(db.url, "SELECT id FROM _prisma_migrations ORDER BY id");
    expect(await migrateDatabase(db.url)).toEqual({ applied: [] });
    expect(await query(db.url, "SELECT id FROM _prisma_migrations ORDER BY id")).toEqual(before);
  });

  it("applies only what is pending, in name order", async () => {
    await addMigration(scratch, "99990101000002_second", 'CREATE TABLE "probe_two" ("id" TEXT PRIMARY KEY);');
    await addMigration(scratch, "99990101000001_first", 'CREATE TABLE "probe_one" ("id" TEXT PRIMARY KEY);');

    const result = await migrateDatabase(db.url, { migrationsDir: scratch });

    expect(result.applied).toEqual(["99990101000001_first", "99990101000002_second"]);
    const tables = await query<{ relname: string }>(
      db.url,
      "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'probe_%' ORDER BY relname",
    );
    expect(tables.map((row) => row.relname)).toEqual(["probe_one", "probe_two"]);
  });

  it("rolls a failing migration back completely and records nothing", async () => {
    await addMigration(
      scratch,
      "99990101000003_broken",
      'CREATE TABLE "probe_three" ("id" TEXT);\nSELECT no_such_function();',
    );

    const error = await migrateDatabase(db.url, { migrationsDir: scratch }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).kind).toBe("migration_failed");
    expect((error as MigrationError).message).toMatch(/99990101000003_broken failed \(line 2\).*no_such_function/);
    expect(await query(db.url, "SELECT 1 FROM pg_class WHERE relname = 'probe_three'")).toEqual([]);
    expect(
      await query(db.url, "SELECT 1 FROM _prisma_migrations WHERE migration_name = '99990101000003_broken'"),
    ).toEqual([]);
    await rm(path.join(scratch, "99990101000003_broken"), { recursive: true });
  });

  it("refuses to run when an applied migration was edited", async () => {
    await appendFile(path.join(scratch, "99990101000001_first", "migration.sql"), "\n-- edited after being applied\n");
    await addMigration(scratch, "99990101000004_after_edit", 'CREATE TABLE "probe_four" ("id" TEXT);');

    const error = await migrateDatabase(db.url, { migrationsDir: scratch }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).kind).toBe("checksum_mismatch");
    expect((error as MigrationError).message).toContain("99990101000001_first");
    // Nothing else was applied either.
    expect(await query(db.url, "SELECT 1 FROM pg_class WHERE relname = 'probe_four'")).toEqual([]);
  });

  it("accepts a migration checked out with CRLF line endings, like Prisma", async () => {
    const original = (await readMigrationsFolder(defaultMigrationsDir()))[0];
    expect(original).toBeDefined();
    const crlfDir = await mkdtemp(path.join(tmpdir(), "sluice-crlf-"));
    try {
      await mkdir(path.join(crlfDir, original!.name));
      await writeFile(path.join(crlfDir, original!.name, "migration.sql"), original!.sql.replaceAll("\n", "\r\n"));
      expect(await migrateDatabase(db.url, { migrationsDir: crlfDir })).toEqual({ applied: [] });
    } finally {
      await rm(crlfDir, { recursive: true, force: true });
    }
  });

  it("refuses to run over an unfinished migration left by another tool", async () => {
    const other = await createTempDatabase();
    try {
      await migrateDatabase(other.url);
      await query(
        other.url,
        "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('00000000-0000-4000-8000-000000000000', 'x', '99990101000009_half_done')",
      );
      await expect(migrateDatabase(other.url)).rejects.toMatchObject({ kind: "unfinished_migration" });
    } finally {
      await other.drop();
    }
  });

  it("serialises concurrent runs with the advisory lock", async () => {
    const fresh = await createTempDatabase();
    try {
      const results = await Promise.all([
        migrateDatabase(fresh.url),
        migrateDatabase(fresh.url),
        migrateDatabase(fresh.url),
      ]);
      const local = await readMigrationsFolder(defaultMigrationsDir());
      expect(results.flatMap((result) => result.applied).sort()).toEqual(local.map((migration) => migration.name));
      expect(await query(fresh.url, "SELECT migration_name FROM _prisma_migrations")).toHaveLength(local.length);
    } finally {
      await fresh.drop();
    }
  });

  describe("audit_log", () => {
    const insert = `INSERT INTO audit_log (actor_type, action, resource_type, outcome) VALUES ('system', 'test.append', 'probe', 'success') RETURNING id`;

    it("accepts inserts", async () => {
      expect(await query(db.url, insert)).toHaveLength(1);
    });

    it("rejects UPDATE of existing rows", async () => {
      await query(db.url, insert);
      await expect(query(db.url, "UPDATE audit_log SET action = 'rewritten'")).rejects.toThrow(/append-only: UPDATE/);
    });

    it("rejects DELETE of existing rows", async () => {
      await query(db.url, insert);
      const count = "SELECT count(*)::int AS n FROM audit_log";
      const before = await query(db.url, count);
      await expect(query(db.url, "DELETE FROM audit_log")).rejects.toThrow(/append-only: DELETE/);
      expect(await query(db.url, count)).toEqual(before);
    });
  });
});

describe("ensureDatabase", () => {
  it("creates the database once and reports whether it did", async () => {
    const probe = await createTempDatabase("sluice_ensure");
    await probe.drop();
    try {
      expect(await ensureDatabase(probe.url)).toBe(true);
      expect(await ensureDatabase(probe.url)).toBe(false);
      expect(await query(probe.url, "SELECT current_database() AS name")).toEqual([{ name: probe.name }]);
    } finally {
      await probe.drop();
    }
  });
});

describe("when Postgres is unavailable", () => {
  // Port 1 on loopback refuses immediately.
  const unreachable = "postgresql://root@127.0.0.1:1/sluice";

  it("migrateDatabase throws DatabaseUnavailableError with instructions", async () => {
    const error = await migrateDatabase(unreachable).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).reason).toBe("unreachable");
    expect((error as Error).message).toMatch(
      /Cannot reach Postgres at 127\.0\.0\.1:1.*docker compose up.*DATABASE_URL/,
    );
    // Operator-facing: the message is the whole story.
    expect((error as Error).stack).toBe(`DatabaseUnavailableError: ${(error as Error).message}`);
  });

  it("ensureDatabase throws DatabaseUnavailableError naming the configured URL", async () => {
    await expect(ensureDatabase(unreachable)).rejects.toThrow(/127\.0\.0\.1:1\/sluice/);
  });

  it("a missing database is reported as such", async () => {
    const missing = withDatabase(unreachable.replace(":1/", ":5432/"), "sluice_does_not_exist_42");
    await expect(migrateDatabase(missing)).rejects.toMatchObject({ reason: "database_missing" });
  });
});

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}
