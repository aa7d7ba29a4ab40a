// Files rolled by time: a stage ending in an s3-sink with `rollIntervalSeconds` gets batches cut by
// that interval (and by the sink's records and bytes per file) instead of the pipeline's ~20 ms
// linger, so each batch becomes one file per folder. The buffer is the feeder's own pending batch:
// its offsets stay uncommitted at most the interval (plus the write), and a crash re-runs them into
// files named after the same offsets, so exactly once per file holds as for any batch.
import type { NodeConfig, Stage } from "@sluice/shared";
import type { FeederSettings } from "./feeder";

/** A batch is a Redis claim-check payload: larger ones would cost the queue's Redis more than files save. */
export const ROLL_MAX_RECORDS = 10_000;
export const ROLL_MAX_BYTES = 16 * 2 ** 20;

/** The stage's feeder settings: `base`, or longer and larger batches for a rolling s3-sink. */
export function rollingFeederSettings(stage: Pick<Stage, "nodes">, base: FeederSettings): FeederSettings {
  const sinks = stage.nodes.filter((n) => n.type === "s3-sink").map((n) => n.config as NodeConfig<"s3-sink">);
  const rolling = sinks.filter((c) => c.rollIntervalSeconds !== undefined);
  if (rolling.length === 0) return base;
  const intervalMs = Math.min(...rolling.map((c) => c.rollIntervalSeconds! * 1000));
  const records = Math.min(ROLL_MAX_RECORDS, ...rolling.map((c) => c.maxRecordsPerFile));
  const bytes = Math.min(ROLL_MAX_BYTES, ...rolling.map((c) => c.maxBytesPerFile));
  return {
    ...base,
    lingerMs: Math.max(base.lingerMs, intervalMs),
    maxBatchRecords: Math.max(base.maxBatchRecords, records),
    maxBatchBytes: Math.max(base.maxBatchBytes, bytes),
  };
}
