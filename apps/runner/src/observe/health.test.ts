import { describe, expect, it } from "vitest";
import { checkHealth } from "./health";
import type { Probe } from "../services/probes";

const probe = (name: Probe["name"], check: () => Promise<void>): Probe => ({
  name,
  envVar: "REDIS_URL",
  target: "t",
  check,
});

describe("checkHealth", () => {
  it("is ok when every check passes", async () => {
    const report = await checkHealth([probe("postgres", async () => {}), probe("redis", async () => {})]);
    expect(report.status).toBe("ok");
    expect(report.checks.postgres).toMatchObject({ ok: true });
    expect(report.checks.redis?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("is degraded, with the reason, when a check fails or hangs", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const report = await checkHealth(
      [
        probe("postgres", async () => {}),
        probe("redis", () => new Promise(() => {})),
        probe("kafka", () => Promise.reject(new AggregateError([refused], "Cannot connect to any broker."))),
      ],
      100,
    );
    expect(report.status).toBe("degraded");
    expect(report.checks.postgres.ok).toBe(true);
    expect(report.checks.redis).toMatchObject({ ok: false, error: "no answer within 100 ms" });
    expect(report.checks.kafka).toMatchObject({ ok: false, error: "ECONNREFUSED" });
  });
});
