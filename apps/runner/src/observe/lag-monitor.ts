// Lag per partition of every topic a running stage consumes: end offset minus the stage group's
// committed offset, every 2 s. Feeds the Prometheus gauge and HTTP ingest's back-pressure (429): an
// ingest topic counts as behind as far as the pipeline's slowest stage, so a slow sink at the end of
// the pipeline pushes back on its clients too (the backlog would otherwise grow in its internal topic).
import type { Kafka } from "@sluice/kafka";
import type { Logger } from "../log";
import { edgeLabel, type EngineMetrics } from "./engine-metrics";
import type { RunningDeployments } from "./running";

export type LagMonitor = {
  /**
   * Largest total lag (messages) over the groups reading `topic`, and for a pipeline's ingest topic over
   * every stage of that pipeline (measured on Sluice's cluster); 0 when unknown.
   */
  lagOf(topic: string): number;
  /** One measurement now. */
  refresh(): Promise<void>;
  stop(): void;
};

export function startLagMonitor(options: {
  kafka: Kafka;
  reconciler: RunningDeployments;
  metrics: EngineMetrics;
  log: Logger;
  intervalMs?: number;
}): LagMonitor {
  let byTopic = new Map<string, number>();
  let running: Promise<void> | undefined;
  const refresh = async () => {
    const next = new Map<string, number>();
    for (const runtime of options.reconciler.running()) {
      const { plan } = runtime.spec;
      let slowest = 0;
      // A connection's cluster is not the one this client reads: its lag is not measured here.
      for (const stage of plan.stages.filter((s) => !s.connectionId)) {
        const topics = stage.inputTopics;
        const [ends, committed] = await Promise.all([
          options.kafka.admin.endOffsets(topics),
          options.kafka.admin.committedOffsets(stage.groupId, topics),
        ]);
        const done = new Map(committed.map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
        const totals = new Map<string, number>();
        for (const end of ends) {
          const lag = Number(end.offset - (done.get(`${end.topic}\u0000${end.partition}`) ?? 0n));
          options.metrics.lag.set(
            { pipeline: plan.pipelineId, edge: edgeLabel(plan, end.topic), partition: String(end.partition) },
            lag,
          );
          totals.set(end.topic, (totals.get(end.topic) ?? 0) + lag);
        }
        for (const [topic, total] of totals) {
          next.set(topic, Math.max(next.get(topic) ?? 0, total));
          slowest = Math.max(slowest, total);
        }
      }
      for (const { topic } of plan.ingest) next.set(topic, Math.max(next.get(topic) ?? 0, slowest));
    }
    byTopic = next;
  };
  const tick = () => {
    running ??= refresh()
      .catch((err: unknown) => options.log.warn({ err }, "lag measurement failed"))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalMs ?? 2000);
  return {
    lagOf: (topic) => byTopic.get(topic) ?? 0,
    refresh,
    stop: () => clearInterval(timer),
  };
}
