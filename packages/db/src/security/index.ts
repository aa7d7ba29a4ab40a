// Sealed secrets and API tokens without the Prisma client (`@sluice/db/security`): what the runner's
// engine processes need from this package, which load no Prisma (apps/runner/src/services/control-db.ts).
export { openSecret, sealSecret, secretHint, SecretKeyError } from "./secret-box";
export { hashToken, hashesEqual, issueToken, tokenKind, type IssuedToken, type TokenKind } from "./tokens";
