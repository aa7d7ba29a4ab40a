import { describe, expect, it } from "vitest";
import { browserAccess, preflight } from "./browser-access";

const shop = { publishable: true, allowedOrigins: ["https://shop.example.com"] };
const server = { publishable: false, allowedOrigins: [] };

describe("browserAccess", () => {
  it("serves requests without an Origin with any key, without CORS headers", () => {
    expect(browserAccess(undefined, server)).toEqual({ ok: true, headers: {} });
    expect(browserAccess(undefined, shop)).toEqual({ ok: true, headers: {} });
  });

  it("accepts browsers only with a publishable key from an allowed origin", () => {
    expect(browserAccess("https://shop.example.com", shop)).toEqual({
      ok: true,
      headers: { "access-control-allow-origin": "https://shop.example.com", vary: "Origin" },
    });
    expect(browserAccess("https://evil.example", shop)).toMatchObject({
      ok: false,
      message: expect.stringContaining("not allowed") as unknown,
    });
    expect(browserAccess("http://shop.example.com", shop).ok).toBe(false);
    expect(browserAccess("https://shop.example.com", server)).toMatchObject({
      ok: false,
      message: expect.stringContaining("publishable") as unknown,
    });
    expect(browserAccess("null", shop).ok).toBe(false);
  });
});

describe("preflight", () => {
  it("allows an origin that one of the endpoint's keys allows, and nothing else", () => {
    const ok = preflight("https://shop.example.com", [server, shop]);
    expect(ok).toMatchObject({
      ok: true,
      headers: { "access-control-allow-origin": "https://shop.example.com", "access-control-allow-methods": "POST" },
    });
    expect(preflight("https://other.example", [server, shop]).ok).toBe(false);
    expect(preflight("https://shop.example.com", [server]).ok).toBe(false);
    expect(preflight(undefined, [shop]).ok).toBe(false);
    expect(preflight("https://shop.example.com", [shop], "content-type,x-api-key,x-trace")).toMatchObject({
      headers: { "access-control-allow-headers": "content-type,x-api-key,x-trace" },
    });
  });
});
