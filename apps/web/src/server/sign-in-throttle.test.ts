import { describe, expect, it } from "vitest";
import { accountTag, signInTiers, throttleDelayMs } from "./sign-in-throttle";

describe("sign-in throttle", () => {
  it("grows the delay exponentially past the free attempts, up to the cap", () => {
    const tier = { freeAttempts: 5, maxDelayMs: 15 * 60_000 };
    expect([0, 4, 5, 6, 7, 10].map((n) => throttleDelayMs(n, tier))).toEqual([0, 0, 1000, 2000, 4000, 32_000]);
    expect(throttleDelayMs(40, tier)).toBe(15 * 60_000);
    expect(throttleDelayMs(1e6, tier)).toBe(15 * 60_000);
  });

  it("keeps a known device out of the tiers strangers fill", () => {
    const stranger = signInTiers("Ada@Example.com", { knownDevice: false, ip: "203.0.113.9" }).map((t) => t.key);
    const owner = signInTiers("ada@example.com ", { knownDevice: true, ip: "203.0.113.9" }).map((t) => t.key);
    expect(owner).toHaveLength(1);
    expect(stranger).not.toContain(owner[0]);
    expect(stranger.join(" ")).not.toContain("ada@example.com");
    expect(accountTag("Ada@Example.com")).toBe(accountTag(" ada@example.com"));
  });
});
