// Ordered graceful shutdown. Whatever the runner starts registers how to stop it in a phase; phases
// run in this order so nothing is cut off while something upstream still feeds it: first stop
// accepting HTTP, then let workers finish their batches (which still produce and commit), then stop
// consumers, then flush producers, then close Redis and Postgres.
import type { Logger } from "./log";
import { withTimeout } from "./timeout";

const SHUTDOWN_PHASES = ["http", "workers", "consumers", "producers", "redis", "postgres"] as const;
type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

export type Shutdown = {
  register(phase: ShutdownPhase, name: string, close: () => Promise<void>): void;
  /** Runs every phase in order; resolves false when `timeoutMs` passed or a step failed. */
  run(timeoutMs: number): Promise<boolean>;
};

export function createShutdown(log: Logger): Shutdown {
  const steps = new Map<ShutdownPhase, { name: string; close: () => Promise<void> }[]>();
  return {
    register(phase, name, close) {
      steps.set(phase, [...(steps.get(phase) ?? []), { name, close }]);
    },
    async run(timeoutMs) {
      let clean = true;
      const all = async () => {
        for (const phase of SHUTDOWN_PHASES) {
          const phaseSteps = steps.get(phase) ?? [];
          const results = await Promise.allSettled(phaseSteps.map((s) => s.close()));
          results.forEach((r, i) => {
            if (r.status === "fulfilled") return;
            clean = false;
            log.error({ err: r.reason, phase, step: phaseSteps[i]?.name }, "shutdown step failed");
          });
        }
      };
      try {
        await withTimeout(all(), timeoutMs, `shutdown did not finish within ${timeoutMs} ms`);
        return clean;
      } catch (err) {
        log.error({ err }, "shutdown timed out");
        return false;
      }
    },
  };
}
