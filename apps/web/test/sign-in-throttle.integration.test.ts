// Sign-in throttling against the real Redis: the attempt script counts, refuses early attempts
// without counting them, and a successful sign-in clears the counts.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { redis } from "@/server/redis";
import { clearSignInAttempts, signInTiers, takeSignInAttempt, throttleDelayMs } from "@/server/sign-in-throttle";

const email = () => `throttle-${randomBytes(5).toString("hex")}@test.sluice.dev`;

describe("takeSignInAttempt", () => {
  const used: string[] = [];
  const tiersFor = (client: { knownDevice: boolean; ip: string | null }) => {
    const tiers = signInTiers(email(), client);
    used.push(...tiers.map((t) => t.key));
    return tiers;
  };

  afterAll(async () => {
    if (used.length > 0) await redis().del(...used);
    redis().disconnect();
  });

  it("lets the free attempts through, then answers the owed wait without counting the early attempt", async () => {
    const tiers = tiersFor({ knownDevice: false, ip: "203.0.113.7" });
    const perClient = tiers[0]!;
    const t0 = 1_000_000;
    for (let i = 0; i < perClient.freeAttempts; i++) expect(await takeSignInAttempt(tiers, t0 + i)).toBe(0);
    const last = t0 + perClient.freeAttempts - 1;
    const owed = throttleDelayMs(perClient.freeAttempts, perClient);
    expect(owed).toBe(1000);
    // Too early: the rest of the wait, and nothing counted (the same wait is owed again).
    expect(await takeSignInAttempt(tiers, last + 400)).toBe(owed - 400);
    expect(await takeSignInAttempt(tiers, last + 400)).toBe(owed - 400);
    expect(Number(await redis().hget(perClient.key, "n"))).toBe(perClient.freeAttempts);
    // On time: counted, and the next wait doubles.
    expect(await takeSignInAttempt(tiers, last + owed)).toBe(0);
    expect(await takeSignInAttempt(tiers, last + owed + 1)).toBe(2 * owed - 1);
  });

  it("keeps counts for a day of quiet and clears them on success", async () => {
    const tiers = tiersFor({ knownDevice: true, ip: null });
    expect(await takeSignInAttempt(tiers)).toBe(0);
    const ttl = await redis().pttl(tiers[0]!.key);
    expect(ttl).toBeGreaterThan(23 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    await clearSignInAttempts(tiers);
    expect(await redis().exists(tiers[0]!.key)).toBe(0);
  });
});
