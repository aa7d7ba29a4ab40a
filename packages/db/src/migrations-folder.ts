// Reads a Prisma-layout migrations folder: <dir>/<name>/migration.sql, applied in name order.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationError } from "./errors";

/**
 * The repository's prisma/migrations, resolved from this file's location. A function, and not the
 * `new URL("…", import.meta.url)` idiom, because bundlers (Next.js imports this package) treat that
 * idiom as an asset import; pass `migrationsDir` explicitly when running from a bundle.
 */
export function defaultMigrationsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../prisma/migrations");
}

export type LocalMigration = {
  /** Folder name, e.g. 20261129193334_init; also the `migration_name` recorded in _prisma_migrations. */
  name: string;
  sql: string;
  /** sha256 hex of migration.sql's bytes, exactly what Prisma records. */
  checksum: string;
};

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function readMigrationsFolder(dir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new MigrationError(`Cannot read migrations folder ${dir}: ${(error as Error).message}`, "invalid_folder");
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name, "migration.sql"));
    } catch {
      throw new MigrationError(`Migration folder ${path.join(dir, name)} has no migration.sql`, "invalid_folder");
    }
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: sha256(bytes) });
  }
  return migrations;
}

/**
 * Whether `sql` is what was recorded with `checksum`. Like Prisma's schema engine, tolerate the file
 * having been checked out with the other line-ending convention (git autocrlf).
 */
export function matchesChecksum(sql: string, checksum: string): boolean {
  const candidates = [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")];
  return candidates.some((candidate) => sha256(candidate) === checksum);
}
