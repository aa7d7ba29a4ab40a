import { z } from "zod";

/**
 * What a runner publishes about one deployed pipeline, once a second, on Redis channel
 * `metricsChannel(pipelineId)`. Rates are per second over the last interval; totals are since the
 * runner process started (Prometheus-style counters). Several runners may publish for the same
 * pipeline: consumers sum node rates across runners and take the newest edge gauges.
 */
export const NodeMetricsV1 = z.object({
  inPerSec: z.number().nonnegative(),
  outPerSec: z.number().nonnegative(),
  errorsPerSec: z.number().nonnegative(),
  dlqPerSec: z.number().nonnegative(),
  inTotal: z.number().nonnegative(),
  outTotal: z.number().nonnegative(),
  errorsTotal: z.number().nonnegative(),
  dlqTotal: z.number().nonnegative(),
  retriesTotal: z.number().nonnegative().default(0),
  bytesInPerSec: z.number().nonnegative().default(0),
  /** Batch processing latency percentiles over the last interval, in ms (null when idle). */
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  pool: z
    .object({
      waiting: z.number(),
      active: z.number(),
      delayed: z.number(),
      failed: z.number(),
      workers: z.number(),
      concurrency: z.number(),
    })
    .optional(),
  status: z.enum(["starting", "running", "failing", "stopped"]).default("running"),
  lastError: z.string().nullable().default(null),
  /** The node's most recent distinct errors, newest first (at most LAST_ERRORS_MAX; absent from older runners). */
  lastErrors: z
    .array(z.object({ at: z.number(), message: z.string().max(500) }))
    .max(5)
    .optional(),
  /** Event-time nodes: watermark (epoch ms) and late-event counters. */
  watermark: z.number().nullable().optional(),
  lateUpdatedTotal: z.number().optional(),
  lateDroppedTotal: z.number().optional(),
  /** Sinks: now minus the event time of the latest event written, in seconds. */
  freshnessSeconds: z.number().nullable().optional(),
});
export type NodeMetricsV1 = z.infer<typeof NodeMetricsV1>;

export const PartitionLagV1 = z.object({
  partition: z.number().int(),
  lagMessages: z.number().nonnegative(),
  lagSeconds: z.number().nonnegative().nullable(),
});
export type PartitionLagV1 = z.infer<typeof PartitionLagV1>;

export const EdgeMetricsV1 = z.object({
  topic: z.string(),
  /** Graph edge ids this topic carries (one topic can feed several edges: fan-out). */
  edgeIds: z.array(z.string()),
  producePerSec: z.number().nonnegative(),
  lagMessages: z.number().nonnegative(),
  /** Age of the oldest unprocessed event, in seconds. */
  lagSeconds: z.number().nonnegative().nullable(),
  partitions: z.array(PartitionLagV1),
  /** Share of the last interval's messages that went to the busiest partition (0..1). */
  hottestPartitionShare: z.number().min(0).max(1).nullable().default(null),
});
export type EdgeMetricsV1 = z.infer<typeof EdgeMetricsV1>;

export const MetricsSnapshotV1 = z.object({
  version: z.literal("v1"),
  pipelineId: z.string(),
  deploymentId: z.string(),
  runnerId: z.string(),
  /** Epoch ms when the runner took the snapshot. */
  at: z.number(),
  uptimeSeconds: z.number().nonnegative(),
  nodes: z.record(z.string(), NodeMetricsV1),
  edges: z.array(EdgeMetricsV1),
  /** Edges fused inside one worker step (no topic); the canvas draws them differently. */
  fusedEdgeIds: z.array(z.string()).default([]),
});
export type MetricsSnapshotV1 = z.infer<typeof MetricsSnapshotV1>;

export const LAST_ERRORS_MAX = 5;
