// Per-node counters and per-partition lag on the runner's Prometheus registry. Labels stay bounded:
// pipeline and node ids (a handful per deployment), edges and partitions of deployed pipelines. No label
// carries a topic name: topic names carry workspace ids and namespaces.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Plan } from "@sluice/shared";
import { createNodeStats, type NodeStats } from "./node-stats";

export type EngineMetrics = {
  eventsIn: Counter<"pipeline" | "node">;
  eventsOut: Counter<"pipeline" | "node">;
  errors: Counter<"pipeline" | "node">;
  dlq: Counter<"pipeline" | "node">;
  batchSeconds: Histogram<"pipeline" | "node">;
  /** From ingest (the event's receivedAt) to the end of the stage batch that processed it; sampled. */
  eventLatency: Histogram<"pipeline" | "node">;
  lag: Gauge<"pipeline" | "edge" | "partition">;
  /** Age of the oldest unprocessed event per partition (set by the live-metrics publisher). */
  lagSeconds: Gauge<"pipeline" | "edge" | "partition">;
  /** Now minus the event time of the newest event a sink wrote (set by the live-metrics publisher). */
  sinkFreshness: Gauge<"pipeline" | "node">;
  /** The same per-node counts in process memory, for the live-metrics snapshots. */
  stats: NodeStats;
};

const cache = new WeakMap<Registry, EngineMetrics>();

/** One set per registry (several engines in one test process share it). */
export function engineMetrics(registry: Registry): EngineMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const labelNames = ["pipeline", "node"] as const;
  const metrics: EngineMetrics = {
    eventsIn: new Counter({
      name: "sluice_node_events_in_total",
      help: "Events that entered a node.",
      labelNames,
      registers,
    }),
    eventsOut: new Counter({
      name: "sluice_node_events_out_total",
      help: "Events a node emitted on its outputs (not errors).",
      labelNames,
      registers,
    }),
    errors: new Counter({
      name: "sluice_node_errors_total",
      help: "Events a node failed on (each also goes to its dead-letter topic).",
      labelNames,
      registers,
    }),
    dlq: new Counter({
      name: "sluice_node_dlq_total",
      help: "Records written to a node's dead-letter topic.",
      labelNames,
      registers,
    }),
    batchSeconds: new Histogram({
      name: "sluice_node_batch_seconds",
      help: "Time to run one micro-batch through a stage, outputs acknowledged; labelled by the stage's head node.",
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    eventLatency: new Histogram({
      name: "sluice_stage_event_latency_seconds",
      help: "Ingest (the event's receivedAt) to the end of the stage batch that processed it (outputs acknowledged, sink writes and checkpoint done); every 8th event; labelled by the stage's head node.",
      labelNames,
      buckets: [
        0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1,
        1.5, 2, 3, 5, 10, 30, 60,
      ],
      registers,
    }),
    lag: new Gauge({
      name: "sluice_edge_lag_messages",
      help: "End offset minus the consuming group's committed offset, per partition; edge = the writing node and port.",
      labelNames: ["pipeline", "edge", "partition"] as const,
      // Every process of a runner measures the same group lag: /metrics of several reports the largest.
      aggregator: "max",
      registers,
    }),
    lagSeconds: new Gauge({
      name: "sluice_edge_lag_seconds",
      help: "Age of the oldest unprocessed event per partition (event at the committed offset), in seconds; edge = the writing node and port.",
      labelNames: ["pipeline", "edge", "partition"] as const,
      // Every process of a runner measures the same group lag: /metrics of several reports the largest.
      aggregator: "max",
      registers,
    }),
    sinkFreshness: new Gauge({
      name: "sluice_sink_freshness_seconds",
      help: "Now minus the event time of the newest event a sink wrote, in seconds.",
      labelNames,
      // Across a runner's processes: the freshest write of any of them.
      aggregator: "min",
      registers,
    }),
    stats: createNodeStats(),
  };
  cache.set(registry, metrics);
  return metrics;
}

const writers = new WeakMap<Plan, Map<string, string>>();

/** A topic's `edge` label: `<node>.<port>` of the node that writes it (a kafka-source: `<node>.in`). */
export function edgeLabel(plan: Plan, topic: string): string {
  let byTopic = writers.get(plan);
  if (!byTopic) {
    byTopic = new Map(plan.topics.map((t) => [t.name, `${t.nodeId}.${t.port}`]));
    writers.set(plan, byTopic);
  }
  return byTopic.get(topic) ?? "unknown";
}
