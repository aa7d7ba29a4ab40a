import { z } from "zod";
import { PipelineGraph } from "./pipeline-graph";
import { PipelineSettings } from "./pipeline-settings";

/**
 * The portable form of a pipeline (export/import, GitOps). Versioned so older exports stay
 * importable when the format grows.
 */
export const PipelineDocument = z.object({
  format: z.literal("sluice.pipeline"),
  formatVersion: z.literal(1),
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).default(""),
  graph: PipelineGraph,
  /** Partitions, retention, replication, batching; absent in older exports (runner defaults). */
  settings: PipelineSettings.default({ topics: {}, batch: {} }),
});
export type PipelineDocument = z.infer<typeof PipelineDocument>;
