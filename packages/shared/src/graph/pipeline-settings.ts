import { z } from "zod";
import { getNodeDescriptor } from "../nodes/registry";
import type { PipelineGraph } from "./pipeline-graph";

/**
 * Per-pipeline runtime settings. Every field is optional: what is left out comes from the runner's
 * environment (RUNNER_TOPIC_* / RUNNER_BATCH_*: 6 partitions, 7 days, replication 1 locally and 3 in
 * production, batches of 500 records / 1 MiB / 20 ms). Topic settings apply when the runner creates a
 * topic; on existing topics the runner applies a retention the pipeline sets, never changes replication,
 * and grows partitions only for pipelines without keyed state (see `partitionChangeProblem`).
 */
export const PipelineTopicSettings = z
  .object({
    partitions: z
      .number()
      .int("Partitions must be a whole number")
      .min(1, "At least 1 partition")
      .max(256, "At most 256 partitions")
      .optional(),
    replicationFactor: z
      .number()
      .int("Replication factor must be a whole number")
      .min(1, "Replication factor is at least 1")
      .max(7, "Replication factor is at most 7")
      .optional(),
    retentionHours: z
      .number()
      .min(1, "Retention is at least 1 hour")
      .max(24 * 365, "Retention is at most 365 days")
      .optional(),
  })
  .strict();
export type PipelineTopicSettings = z.infer<typeof PipelineTopicSettings>;

export const PipelineBatchSettings = z
  .object({
    maxRecords: z
      .number()
      .int()
      .min(1, "At least 1 record per batch")
      .max(10_000, "At most 10000 records per batch")
      .optional(),
    maxBytes: z
      .number()
      .int()
      .min(1024, "At least 1 KiB per batch")
      .max(16 * 2 ** 20, "At most 16 MiB per batch")
      .optional(),
    lingerMs: z.number().int().min(0, "Linger cannot be negative").max(5000, "Linger is at most 5000 ms").optional(),
  })
  .strict();
export type PipelineBatchSettings = z.infer<typeof PipelineBatchSettings>;

export const PipelineSettings = z
  .object({
    topics: PipelineTopicSettings.default({}),
    batch: PipelineBatchSettings.default({}),
  })
  .strict();
export type PipelineSettings = z.infer<typeof PipelineSettings>;

/** Settings as stored (a row written before settings existed holds `{}`); unreadable ones fall back to defaults. */
export function parsePipelineSettings(json: unknown): PipelineSettings {
  const parsed = PipelineSettings.safeParse(json ?? {});
  return parsed.success ? parsed.data : PipelineSettings.parse({});
}

/** Node types whose state is kept per input partition, so keys must stay on their partition. */
export function statefulNodeIds(graph: PipelineGraph): string[] {
  return graph.nodes.filter((n) => getNodeDescriptor(n.type, n.typeVersion)?.stateful).map((n) => n.id);
}

/**
 * Growing a topic moves keys to other partitions (hash mod count). Stateless nodes do not care; a
 * window, sessionize or dedup would split a key's state across two partitions and count it wrong, so
 * the increase is refused for graphs that have one. Kafka cannot shrink a topic at all.
 */
export function partitionChangeProblem(graph: PipelineGraph, current: number, wanted: number): string | null {
  if (wanted < current) return `Kafka cannot reduce partitions: this pipeline's topics already have ${current}.`;
  if (wanted === current) return null;
  const stateful = statefulNodeIds(graph);
  if (stateful.length === 0) return null;
  return `Partitions cannot grow from ${current} to ${wanted}: keys would move to other partitions and the state of ${stateful.join(", ")} (window/sessionize/dedup) is kept per partition. Create a new pipeline to change it.`;
}
