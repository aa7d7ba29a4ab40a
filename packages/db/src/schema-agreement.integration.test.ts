// Fails when prisma/migrations and prisma/schema.prisma disagree: someone edited the schema without
// running `npm run -w @sluice/db migration:new -- <name>`, or hand-edited migration SQL in a way the
// schema does not describe.
//
// Database A: the committed migrations, applied by migrateDatabase.
// Database B: the SQL Prisma prints for schema.prisma from an empty database (scripts/schema-sql.mjs).
// Their catalogs must describe the same tables, columns, indexes, constraints and enums; triggers and
// functions are ignored (see testing/schema-catalog.ts).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "./migrate";
import {
  describeSchema,
  diffSchemaDescriptions,
  formatSchemaDiff,
  isSameSchema,
  type SchemaDescription,
} from "./testing/schema-catalog";
import { createTempDatabase, type TempDatabase } from "./testing/temp-database";

const schemaSqlScript = fileURLToPath(new URL("../scripts/schema-sql.mjs", import.meta.url));

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe("prisma/migrations agree with prisma/schema.prisma", () => {
  let fromMigrations: TempDatabase;
  let fromSchema: TempDatabase;
  let migrationsDescription: SchemaDescription;

  beforeAll(async () => {
    [fromMigrations, fromSchema] = await Promise.all([
      createTempDatabase("sluice_agree_a"),
      createTempDatabase("sluice_agree_b"),
    ]);
    const [{ stdout: schemaSql }] = await Promise.all([
      promisify(execFile)(process.execPath, [schemaSqlScript], { maxBuffer: 16 * 1024 * 1024 }),
      migrateDatabase(fromMigrations.url),
    ]);
    await withClient(fromSchema.url, (client) => client.query(schemaSql));
    migrationsDescription = await withClient(fromMigrations.url, describeSchema);
  });

  afterAll(async () => {
    await Promise.all([fromMigrations?.drop(), fromSchema?.drop()]);
  });

  it("builds the same schema both ways", async () => {
    const schemaDescription = await withClient(fromSchema.url, describeSchema);
    const diff = diffSchemaDescriptions(migrationsDescription, schemaDescription);

    expect(
      isSameSchema(diff),
      "The committed migrations and prisma/schema.prisma disagree. Run `npm run -w @sluice/db migration:new -- <name>` " +
        "after changing the schema.\n" +
        formatSchemaDiff(diff, "prisma/migrations", "prisma/schema.prisma"),
    ).toBe(true);
    // Guard against a vacuous pass (e.g. both databases empty).
    expect(migrationsDescription).toContain("table workspace");
  });

  it("would notice drift (an extra column on one side)", async () => {
    // Inside a rolled-back transaction, so database B stays as Prisma built it.
    const diff = await withClient(fromSchema.url, async (client) => {
      await client.query("BEGIN");
      try {
        await client.query('ALTER TABLE "workspace" ADD COLUMN "drift_probe" INTEGER');
        await client.query('ALTER TABLE "pipeline" ALTER COLUMN "description" DROP DEFAULT');
        return diffSchemaDescriptions(migrationsDescription, await describeSchema(client));
      } finally {
        await client.query("ROLLBACK");
      }
    });

    expect(diff.onlyInSecond).toContain("column workspace.drift_probe: integer null");
    expect(diff.onlyInFirst).toContain("column pipeline.description: text not null default ''::text");
    expect(diff.onlyInSecond).toContain("column pipeline.description: text not null");
  });

  it("ignores the hand-written audit_log trigger, which only the migrations create", async () => {
    const triggers = (client: pg.Client) =>
      client
        .query("SELECT tgname FROM pg_trigger WHERE tgname = 'audit_log_append_only'")
        .then((result) => result.rowCount);
    expect(await withClient(fromMigrations.url, triggers)).toBe(1);
    expect(await withClient(fromSchema.url, triggers)).toBe(0);
  });
});
