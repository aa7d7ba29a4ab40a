// Errors an operator has to act on. Their stack is replaced by the message: the cause is the
// environment or the migrations folder, not a code path, and an uncaught one should print as a
// short instruction rather than a trace.

export type DatabaseUnavailableReason = "unreachable" | "database_missing" | "auth_failed";

/** Postgres cannot be used at all: not running, wrong address, missing database or bad credentials. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";

  constructor(
    message: string,
    readonly reason: DatabaseUnavailableReason,
  ) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

export type MigrationErrorKind =
  /** An applied migration's migration.sql differs from what was applied. */
  | "checksum_mismatch"
  /** _prisma_migrations records a migration that started and never finished (e.g. by `prisma migrate deploy`). */
  | "unfinished_migration"
  /** A migration's SQL failed; its transaction was rolled back. */
  | "migration_failed"
  /** The migrations folder is unreadable or malformed. */
  | "invalid_folder";

export class MigrationError extends Error {
  override readonly name = "MigrationError";

  constructor(
    message: string,
    readonly kind: MigrationErrorKind,
  ) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}
