// Shared plumbing for the db scripts: where things are, and how to run the two Prisma CLIs without
// downloading engines (nothing can be fetched from Prisma's binary host on our machines).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const schemaPath = path.join(repoRoot, "prisma/schema.prisma");
export const migrationsDir = path.join(repoRoot, "prisma/migrations");
const prisma6ConfigPath = path.join(repoRoot, "prisma/prisma6.config.ts");

const DEFAULT_DATABASE_URL = "postgresql://root@127.0.0.1:5432/sluice";

// The CLIs only check that an engine file exists before doing work that never executes it
// (`generate`, and Prisma 6's WASM-engine `migrate diff`). Any existing file satisfies the check and
// stops the download attempt. A real engine path set by the caller wins.
function engineEnv() {
  return {
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? process.execPath,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  };
}

/** Runs a CLI entry point with this Node; resolves with stdout, rejects with stderr in the message. */
function run(label, entry, args, env, { inherit = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${label} exited with code ${code}\n${stderr.trim()}`));
    });
  });
}

/** `prisma generate` (Prisma 7) using prisma.config.ts at the repository root. */
export function generateClient() {
  return run("prisma generate", require.resolve("prisma/build/index.js"), ["generate"], engineEnv(), { inherit: true });
}

// Prisma 7 rejects `url` in the datasource block; Prisma 6 requires it. The diff never uses it, so the
// copies handed to Prisma 6 get a placeholder.
function toPrisma6Schema(schema) {
  if (/^\s*url\s*=/m.test(schema)) return schema;
  return schema.replace(/(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*"[^"]*")/, '$1\n  url      = env("DATABASE_URL")');
}

// Prisma 6's JS schema engine insists on opening its adapter connection (it asks the server for its
// version) even when only diffing two schema files. Point it at the maintenance database of the same
// server, which exists before any Sluice database does.
function maintenanceUrl() {
  const url = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  url.pathname = "/postgres";
  return url.toString();
}

/**
 * SQL that turns the schema in `fromSchemaPath` (or an empty database when null) into the schema in
 * `toSchemaPath`, as printed by Prisma 6.19's `migrate diff --script`. Needs Postgres to be running.
 */
export async function diffSchemas(fromSchemaPath, toSchemaPath) {
  const work = await mkdtemp(path.join(tmpdir(), "sluice-prisma6-"));
  try {
    const copy = async (source, name) => {
      const target = path.join(work, name);
      await writeFile(target, toPrisma6Schema(await readFile(source, "utf8")));
      return target;
    };
    const from =
      fromSchemaPath === null
        ? ["--from-empty"]
        : ["--from-schema-datamodel", await copy(fromSchemaPath, "from.prisma")];
    const to = ["--to-schema-datamodel", await copy(toSchemaPath, "to.prisma")];
    return await run(
      "prisma6 migrate diff",
      require.resolve("prisma6/build/index.js"),
      ["migrate", "diff", "--config", prisma6ConfigPath, ...from, ...to, "--script"],
      { ...engineEnv(), DATABASE_URL: maintenanceUrl() },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** True when a diff script holds no statements (Prisma prints a comment only). */
export function isEmptyMigration(sql) {
  return sql
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));
}
