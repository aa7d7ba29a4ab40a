// Connector secrets (database URLs, webhook signing keys, PII salts) are encrypted at rest with
// AES-256-GCM under SLUICE_SECRET_KEY. The web app encrypts on create; the runner decrypts when it
// materialises a node; the browser only ever sees the masked hint.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";

export class SecretKeyError extends Error {}

function keyFrom(base64Key: string): Buffer {
  const key = Buffer.from(base64Key, "base64");
  if (key.length !== 32) throw new SecretKeyError("SLUICE_SECRET_KEY must be 32 random bytes, base64-encoded");
  return key;
}

/**
 * Encrypts `plaintext`; the result is `v1.<iv>.<tag>.<ciphertext>` (base64url parts). `context`
 * (e.g. the workspace id) is bound as associated data, so a ciphertext copied into another
 * workspace's row does not decrypt there.
 */
export function sealSecret(plaintext: string, base64Key: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(base64Key), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

export function openSecret(sealed: string, base64Key: string, context: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new SecretKeyError("unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(base64Key), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

/** What the UI may show of a secret: its length class and last characters, never the value. */
export function secretHint(plaintext: string): string {
  if (plaintext.length < 12) return "••••••";
  return `••••${plaintext.slice(-4)}`;
}
