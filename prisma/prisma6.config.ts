// Configuration for the Prisma 6.19 CLI (npm alias `prisma6`), used ONLY to print SQL:
//   prisma6 migrate diff --from-empty | --from-schema-datamodel <old> --to-schema-datamodel <new> --script
// Prisma 7's `migrate diff` needs a native schema engine that cannot be downloaded here; Prisma 6.19 with
// `engine: "js"` runs its WASM schema engine instead. Do not call it directly: use
// packages/db/scripts/new-migration.mjs or schema-sql.mjs, which add the `url` Prisma 6 requires in the
// datasource block (Prisma 7 forbids it) and set DATABASE_URL to the server's `postgres` database.
// The engine opens this adapter (it asks the server's version) even for a file-to-file diff, so
// Postgres must be running; nothing is written to it.
// Never use this config for `migrate deploy`: Prisma 6's WASM engine cannot describe a live Postgres
// database ("Column type 'name' could not be deserialized").
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma6/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({
      connectionString: process.env["DATABASE_URL"] ?? "postgresql://root@127.0.0.1:5432/postgres",
      // The pool would otherwise keep the CLI alive for its 10 s idle timeout after printing.
      allowExitOnIdle: true,
    }),
});
