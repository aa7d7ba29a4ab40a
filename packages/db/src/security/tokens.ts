// Ingest and read API keys and personal access tokens: 256 random bits, a recognisable prefix (so leaked
// keys are easy to find with secret scanners), shown once, stored only as a SHA-256 hash. A fast
// hash is right here: the input has 256 bits of entropy, so there is nothing to brute-force.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export type TokenKind = "ingest" | "read" | "pat";

const PREFIX: Record<TokenKind, string> = { ingest: "slk_", read: "slr_", pat: "slp_" };

export type IssuedToken = {
  /** The full token: shown to the user exactly once, never stored. */
  token: string;
  /** First characters, stored to help users recognise a key in lists. */
  prefix: string;
  /** Hex SHA-256 of the token: what the database keeps. */
  hash: string;
};

export function issueToken(kind: TokenKind): IssuedToken {
  const token = PREFIX[kind] + randomBytes(32).toString("base64url");
  return { token, prefix: token.slice(0, PREFIX[kind].length + 6), hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function tokenKind(token: string): TokenKind | null {
  if (token.startsWith(PREFIX.ingest)) return "ingest";
  if (token.startsWith(PREFIX.read)) return "read";
  if (token.startsWith(PREFIX.pat)) return "pat";
  return null;
}

/** Constant-time comparison of two hex hashes (lookups go by hash; this guards direct compares). */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
