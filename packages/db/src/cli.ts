// Operator entry point, run from the repository root:
//   node --import tsx packages/db/src/cli.ts migrate      (Docker: the `migrate` compose service)
//   npm run -w @sluice/db migrate                          (same, via the workspace script)
// `migrate` creates the database named by DATABASE_URL when missing, then applies pending migrations.
// Operator errors (Postgres down, edited migration, failing SQL) print as one message, exit code 1.
import { readDatabaseUrl } from "./env";
import { DatabaseUnavailableError, MigrationError } from "./errors";
import { ensureDatabase, migrateDatabase } from "./migrate";

const USAGE = "usage: node --import tsx packages/db/src/cli.ts migrate";

async function migrate(): Promise<void> {
  const url = readDatabaseUrl();
  if (await ensureDatabase(url)) console.log("Created the database.");
  await migrateDatabase(url, { log: (line) => console.log(line) });
}

const command = process.argv[2];
if (command !== "migrate") {
  console.error(USAGE);
  process.exit(2);
}
try {
  await migrate();
} catch (error) {
  if (!(error instanceof DatabaseUnavailableError || error instanceof MigrationError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
