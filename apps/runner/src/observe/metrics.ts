// The runner's Prometheus registry. Pipeline counters (per node and edge) will register here too.
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";

export type RunnerMetrics = { registry: Registry };

export function createMetrics(info: { runnerId: string; version: string }): RunnerMetrics {
  // Our own registry, not prom-client's global one: tests and several runners in one process stay apart.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runnerInfo = new Gauge({
    name: "sluice_runner_info",
    help: "Always 1; labels identify this runner process.",
    labelNames: ["runner_id", "version"] as const,
    registers: [registry],
  });
  runnerInfo.set({ runner_id: info.runnerId, version: info.version }, 1);
  return { registry };
}
