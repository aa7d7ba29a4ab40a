#!/usr/bin/env node
// Prints the SQL that creates prisma/schema.prisma from an empty database (Prisma 6 WASM engine).
// The schema-agreement test compares a database built from this against one built from the committed
// migrations. Needs Postgres running (see diffSchemas); DATABASE_URL picks the server.
import { diffSchemas, schemaPath } from "./lib/prisma-cli.mjs";

try {
  process.stdout.write(await diffSchemas(null, schemaPath));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
