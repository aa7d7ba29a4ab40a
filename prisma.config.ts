// Prisma 7 CLI configuration (`prisma generate`, and `prisma migrate deploy` for people whose machines
// can download Prisma's native schema engine). Sluice itself applies migrations with
// packages/db/src/migrate.ts, which reads the same prisma/migrations folder.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // Not `env("DATABASE_URL")`: that throws when the variable is unset, and `prisma generate` must work
    // on a fresh clone with no environment. Same default as packages/db/src/client.ts.
    url: process.env["DATABASE_URL"] ?? "postgresql://root@127.0.0.1:5432/sluice",
  },
});
