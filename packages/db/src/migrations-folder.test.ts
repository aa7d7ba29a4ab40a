import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matchesChecksum, readMigrationsFolder } from "./migrations-folder";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("readMigrationsFolder", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists migrations in name order with Prisma's checksum, skipping files", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sluice-folder-"));
    for (const name of ["20260102000000_b", "20260101000000_a"]) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, "migration.sql"), `-- ${name}\n`);
    }
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');

    const migrations = await readMigrationsFolder(dir);

    expect(migrations.map((migration) => migration.name)).toEqual(["20260101000000_a", "20260102000000_b"]);
    expect(migrations[0]?.checksum).toBe(sha256("-- 20260101000000_a\n"));
  });

  it("rejects a migration folder without migration.sql", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sluice-folder-"));
    await mkdir(path.join(dir, "20260101000000_empty"));
    await expect(readMigrationsFolder(dir)).rejects.toMatchObject({ kind: "invalid_folder" });
  });
});

describe("matchesChecksum", () => {
  const sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";

  it("accepts the same script with either line-ending convention", () => {
    expect(matchesChecksum(sql, sha256(sql))).toBe(true);
    expect(matchesChecksum(sql.replaceAll("\n", "\r\n"), sha256(sql))).toBe(true);
    expect(matchesChecksum(sql, sha256(sql.replaceAll("\n", "\r\n")))).toBe(true);
  });

  it("rejects any other change", () => {
    expect(matchesChecksum(`${sql}-- edited\n`, sha256(sql))).toBe(false);
  });
});
