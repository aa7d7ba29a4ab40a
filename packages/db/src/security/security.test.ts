import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, secretHint } from "./secret-box";
import { hashToken, issueToken, tokenKind } from "./tokens";

const key = randomBytes(32).toString("base64");

describe("secret box", () => {
  it("round-trips and never contains the plaintext", () => {
    const plain = "postgres://user:canary-6f1e@db/prod";
    const sealed = sealSecret(plain, key, "ws_1");
    expect(sealed).not.toContain("canary");
    expect(openSecret(sealed, key, "ws_1")).toBe(plain);
  });

  it("refuses another workspace's context, a wrong key and tampering", () => {
    const sealed = sealSecret("s3cret-value", key, "ws_1");
    expect(() => openSecret(sealed, key, "ws_2")).toThrow();
    expect(() => openSecret(sealed, randomBytes(32).toString("base64"), "ws_1")).toThrow();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => openSecret(parts.join("."), key, "ws_1")).toThrow();
  });

  it("rejects keys that are not 32 bytes", () => {
    expect(() => sealSecret("x", Buffer.alloc(16).toString("base64"), "c")).toThrow(/32 random bytes/);
  });

  it("hints without revealing short secrets", () => {
    expect(secretHint("short")).toBe("••••••");
    expect(secretHint("a-much-longer-secret-1234")).toBe("••••1234");
  });
});

describe("tokens", () => {
  it("issues prefixed 256-bit tokens and stores only a hash", () => {
    const a = issueToken("ingest");
    const b = issueToken("ingest");
    expect(a.token).toMatch(/^slk_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(4));
    expect(a.token.startsWith(a.prefix)).toBe(true);
    expect(tokenKind(issueToken("pat").token)).toBe("pat");
    expect(tokenKind("nope")).toBeNull();
  });
});
