import { describe, expect, it } from "vitest";
import { createNonce, securityHeaders } from "./security-headers";

describe("securityHeaders", () => {
  it("sends HSTS and upgrades requests only when the app is served over https", () => {
    const https = securityHeaders({ nonce: "abc", https: true });
    expect(https["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    expect(https["content-security-policy"]).toContain("upgrade-insecure-requests");
    const http = securityHeaders({ nonce: "abc", https: false });
    expect(http["strict-transport-security"]).toBeUndefined();
    expect(http["content-security-policy"]).not.toContain("upgrade-insecure-requests");
  });

  it("allows scripts by nonce only, eval only in development", () => {
    const csp = securityHeaders({ nonce: "n0nce", https: false })["content-security-policy"];
    expect(csp).toContain("script-src 'self' 'nonce-n0nce' 'strict-dynamic';");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(securityHeaders({ nonce: "n", https: false, dev: true })["content-security-policy"]).toContain(
      "'unsafe-eval'",
    );
  });

  it("makes a fresh 128-bit nonce each time", () => {
    const a = createNonce();
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(createNonce()).not.toBe(a);
  });
});
