// Runs every service probe concurrently, each bounded by a timeout, for GET /healthz.
import { describeError } from "@sluice/kafka";
import type { Probe } from "../services/probes";
import { withTimeout } from "../timeout";

type CheckResult = { ok: boolean; latencyMs: number; error?: string };

export type HealthReport = {
  /** "degraded" when any check failed: the runner keeps running and retrying. */
  status: "ok" | "degraded";
  checks: Record<Probe["name"], CheckResult>;
};

/** Default per-check timeout: well under a load balancer's usual 5 s probe timeout. */
const HEALTH_CHECK_TIMEOUT_MS = 2000;

export async function checkHealth(probes: Probe[], timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<HealthReport> {
  const results = await Promise.all(
    probes.map(async (probe): Promise<[Probe["name"], CheckResult]> => {
      const started = performance.now();
      try {
        await withTimeout(probe.check(), timeoutMs, `no answer within ${timeoutMs} ms`);
        return [probe.name, { ok: true, latencyMs: elapsed(started) }];
      } catch (error) {
        return [probe.name, { ok: false, latencyMs: elapsed(started), error: describeError(error) }];
      }
    }),
  );
  const checks = Object.fromEntries(results) as HealthReport["checks"];
  return { status: results.every(([, r]) => r.ok) ? "ok" : "degraded", checks };
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;
