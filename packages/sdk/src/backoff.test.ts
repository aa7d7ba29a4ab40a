import { describe, expect, it } from "vitest";
import { retryAfterMs, retryDelay } from "./backoff";

describe("retryDelay", () => {
  it("doubles the ceiling per attempt up to the maximum, with full jitter", () => {
    expect([0, 1, 2, 3, 10].map((a) => retryDelay(a, 500, 30_000, () => 0.999999))).toEqual([
      499, 999, 1999, 3999, 29_999,
    ]);
    expect(retryDelay(5, 500, 30_000, () => 0)).toBe(0);
  });
});

describe("retryAfterMs", () => {
  it("reads delta seconds and HTTP dates, never negative", () => {
    const now = Date.parse("2026-12-03T10:00:00Z");
    expect(retryAfterMs("5", now)).toBe(5000);
    expect(retryAfterMs("0.5", now)).toBe(500);
    expect(retryAfterMs("Thu, 03 Dec 2026 10:00:07 GMT", now)).toBe(7000);
    expect(retryAfterMs("Thu, 03 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
