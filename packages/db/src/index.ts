// @sluice/db: the control-plane database. The schema is prisma/schema.prisma at the repository root;
// the client below is generated from it (`npm run -w @sluice/db generate`).
export * from "./generated/prisma/client";
export { createPrismaClient, getPrisma } from "./client";
export { DEFAULT_DATABASE_URL } from "./database-url";
export { readDatabaseUrl } from "./env";
export {
  DatabaseUnavailableError,
  MigrationError,
  type DatabaseUnavailableReason,
  type MigrationErrorKind,
} from "./errors";
export { ensureDatabase, migrateDatabase, type MigrateOptions, type MigrateResult } from "./migrate";
export { defaultMigrationsDir } from "./migrations-folder";
export {
  hashesEqual,
  hashToken,
  issueToken,
  openSecret,
  sealSecret,
  secretHint,
  SecretKeyError,
  tokenKind,
  type IssuedToken,
  type TokenKind,
} from "./security";
