// The engine's settings, derived from the runner's environment (env.ts: each variable with its
// default and meaning, once). Tunables that have no variable are documented and set here, once.
// main.ts builds them from the process environment; tests start from DEFAULT_ENGINE_SETTINGS (every
// variable unset) and override what they need.
import type { IngestSettings } from "./sources/ingest-route";
import type { ViewSettings } from "./views/views-route";
import type { FeederSettings } from "./stage/feeder";
import type { PoolSettings } from "./queue/stage-queue";
import type { TopicSettings } from "@sluice/shared";
import { loadEnv, type RunnerEnv } from "./env";

/** Settings without an environment variable. */
const FIXED = {
  /**
   * Batches in flight per partition: 1, so a partition's batches run (send their outputs, write their
   * sinks) strictly one after another and a key's events keep their order; parallelism comes from
   * partitions. Stateful stages always use 1.
   */
  maxInFlightPerPartition: 1,
  /** Batches in flight for a whole stage in this process. */
  maxInFlightTotal: 32,
  /** Attempts per batch job before its events are dead-lettered. */
  attempts: 3,
  /** First retry delay of a batch job, doubled each attempt. */
  backoffMs: 500,
  /** Partitions without a watermark update for this long do not hold back windows (nor the reported watermark). */
  idlePartitionMs: 30_000,
  /** Idle partitions of stateful stages get an empty batch this often, so due windows fire. */
  tickMs: 1000,
  /** Reconcile pass interval (besides every deployments-changed message). */
  reconcileIntervalMs: 5000,
  /** Consumer lag measurement (Prometheus gauge, ingest back-pressure). */
  lagIntervalMs: 2000,
  /** Live metrics snapshots (pub/sub and the 1 s history). */
  metricsIntervalMs: 1000,
  /** Alert rule evaluation. */
  alertIntervalMs: 2000,
  /** Alert rules reloaded from Postgres. */
  alertReloadMs: 10_000,
};

export function engineSettings(env: RunnerEnv) {
  const topics: TopicSettings = {
    partitions: env.RUNNER_TOPIC_PARTITIONS,
    replicationFactor: env.RUNNER_TOPIC_REPLICATION,
    retentionMs: env.RUNNER_TOPIC_RETENTION_MS,
  };
  const feeder: FeederSettings = {
    maxBatchRecords: env.RUNNER_BATCH_MAX_RECORDS,
    maxBatchBytes: env.RUNNER_BATCH_MAX_BYTES,
    lingerMs: env.RUNNER_BATCH_LINGER_MS,
    maxInFlightPerPartition: FIXED.maxInFlightPerPartition,
    maxInFlightTotal: FIXED.maxInFlightTotal,
    maxOutageMs: env.RUNNER_SINK_OUTAGE_MAX_MS,
  };
  const pool: PoolSettings = {
    concurrency: env.RUNNER_POOL_CONCURRENCY,
    localBatches: env.RUNNER_LOCAL_BATCHES,
    attempts: FIXED.attempts,
    backoffMs: FIXED.backoffMs,
  };
  const ingest: IngestSettings = {
    ratePerKey: env.RUNNER_INGEST_RATE_PER_KEY,
    eventTimeWindow: { notBeforeMs: env.RUNNER_INGEST_NOT_BEFORE, maxFutureMs: env.RUNNER_INGEST_MAX_FUTURE_MS },
  };
  const views: ViewSettings = { ratePerKey: env.RUNNER_VIEW_RATE_PER_KEY };
  return {
    topics,
    feeder,
    pool,
    ingest,
    views,
    ingestLagThreshold: env.RUNNER_INGEST_LAG_THRESHOLD,
    allowPrivateWebhooks: env.ALLOW_PRIVATE_WEBHOOKS,
    producerCompression: env.RUNNER_PRODUCER_COMPRESSION,
    windowCombiner: env.RUNNER_WINDOW_COMBINER,
    /** Only run deployments of these workspaces; undefined: all. */
    workspaceIds: env.RUNNER_WORKSPACE_IDS,
    idlePartitionMs: FIXED.idlePartitionMs,
    tickMs: FIXED.tickMs,
    reconcileIntervalMs: FIXED.reconcileIntervalMs,
    lagIntervalMs: FIXED.lagIntervalMs,
    metricsIntervalMs: FIXED.metricsIntervalMs,
    alertIntervalMs: FIXED.alertIntervalMs,
    alertReloadMs: FIXED.alertReloadMs,
  };
}

export type EngineSettings = ReturnType<typeof engineSettings>;

/** Every variable unset (outside production). */
export const DEFAULT_ENGINE_SETTINGS: EngineSettings = engineSettings(loadEnv({} as NodeJS.ProcessEnv));
