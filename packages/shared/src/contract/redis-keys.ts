// Every Redis key and pub/sub channel Sluice uses, web and runner alike, under one namespace. Nothing
// else in the repository spells a `sluice:` key (a unit test, scripts/contract-keys.test.ts, fails
// on a copy). BullMQ's own keys live under QUEUE_PREFIX (`sluice:<queue>:...`), owned by the runner.

const NS = "sluice";

// ---- Cross-process: web <-> runner --------------------------------------------------------------

/** Pub/sub: a pipeline's deployments changed (deploy, stop). Message: the pipeline id. Runners reconcile at once. */
export const DEPLOYMENTS_CHANNEL = `${NS}:deployments:changed`;

/**
 * Pub/sub: an ingest key was revoked. Message: the key's hash. Runners cache successful key lookups
 * for at most a second and drop their cache as soon as a hash is announced here.
 */
export const API_KEY_REVOKED_CHANNEL = `${NS}:apikey:revoked`;

/** Pub/sub: a pipeline's live metrics, one MetricsSnapshotV1 per runner per second. */
export const metricsChannel = (pipelineId: string) => `${NS}:metrics:${pipelineId}`;

/** Streams: per-second and 10-second metrics history of one pipeline; field `d` holds a HistoryEntryV1. */
export const historyStreamKey = (pipelineId: string, resolution: "1s" | "10s") =>
  `${NS}:hist:${pipelineId}:${resolution}`;

/** Pub/sub: alert transitions of one workspace (AlertTransitionV1). */
export const alertsChannel = (workspaceId: string) => `${NS}:alerts:${workspaceId}`;

/** Sorted set of watched tap ports (member: tapMember(), score: expiry in epoch ms), written by the web. */
export const TAP_INDEX_KEY = `${NS}:taps`;

/** Member of TAP_INDEX_KEY for one output port. */
export const tapMember = (pipelineId: string, nodeId: string, port: string) => `${pipelineId}:${nodeId}:${port}`;

/** Pub/sub: sampled records of a pipeline's watched ports (TapMessageV1). */
export const tapChannel = (pipelineId: string) => `${NS}:tap:${pipelineId}`;

// ---- Runner state (per pipeline: survives redeploys; per deployment: removed when it stops) -----

/**
 * A stateful node's checkpoint of one input partition: state, applied-offset marker, outbox, and the
 * outbox's sender (a lease with a TTL while the run that checkpointed it is sending it).
 */
export function checkpointKeys(pipelineId: string, nodeId: string, topic: string, partition: number) {
  const base = `${NS}:state:${pipelineId}:${nodeId}:${topic}:${partition}`;
  return { state: base, marker: `${base}:offset`, outbox: `${base}:outbox`, sending: `${base}:outbox:sending` };
}

/** Hash: a stateful node's watermark per input partition (`<watermark>:<written at>`). */
export const watermarkKey = (pipelineId: string, nodeId: string) => `${NS}:watermarks:${pipelineId}:${nodeId}`;

/** Hash: a generator's start time and next index; `<key>:lease` is its single-producer lease. */
export const generatorKey = (pipelineId: string, nodeId: string) => `${NS}:generator:${pipelineId}:${nodeId}`;

/** Hash: each runner's node statuses of one deployment. */
export const deploymentHealthKey = (deploymentId: string) => `${NS}:deployment:${deploymentId}:health`;

/** One deployment's offset reset (start position): a lease while one process resets, a marker once done. */
export const offsetsResetKeys = (deploymentId: string) => ({
  done: `${NS}:deployment:${deploymentId}:offsets-reset`,
  lease: `${NS}:deployment:${deploymentId}:offsets-reset:lease`,
});

/** String: an alert rule's last claimed state (`firing` | `resolved`). */
export const alertStateKey = (ruleId: string) => `${NS}:alert:${ruleId}`;

/** Pub/sub: outcomes of stage jobs submitted by one queue instance (runner to runner). */
export const stageDoneChannel = (origin: string) => `${NS}:stage-done:${origin}`;

// ---- Rate limits (shared by every runner and engine process; scoped by workspace) -------------------
// Each is a string holding a time on the Redis clock (µs since the epoch) and expires once that time
// passed, so the keys of idle API keys and nodes disappear by themselves.

/** An API key's request budget on one endpoint kind (GCRA: when the bucket is full again). */
export const apiKeyRateKey = (workspaceId: string, endpoint: "ingest" | "views", apiKeyId: string) =>
  `${NS}:ws:${workspaceId}:rate:${endpoint}:${apiKeyId}`;

/** A webhook sink node's next free send slot, shared by every process running its deployment. */
export const webhookSlotKey = (workspaceId: string, deploymentId: string, nodeId: string) =>
  `${NS}:ws:${workspaceId}:rate:webhook:${deploymentId}:${nodeId}`;

/** SCAN/KEYS patterns over the keys above, for cleanup and tests. */
export const keyPatterns = {
  /** Every checkpoint of one stateful node (all topics and partitions), or of the whole pipeline. */
  checkpoints: (pipelineId: string, nodeId?: string) =>
    nodeId ? `${NS}:state:${pipelineId}:${nodeId}:*` : `${NS}:state:${pipelineId}:*`,
  watermarks: (pipelineId: string) => `${NS}:watermarks:${pipelineId}:*`,
  generators: (pipelineId: string) => `${NS}:generator:${pipelineId}:*`,
  history: (pipelineId: string) => `${NS}:hist:${pipelineId}:*`,
  deployment: (deploymentId: string) => `${NS}:deployment:${deploymentId}:*`,
  rateLimits: (workspaceId: string) => `${NS}:ws:${workspaceId}:rate:*`,
};

// ---- Web only --------------------------------------------------------------------------------------

/** Sign-in throttle counters of one account (tagged e-mail); tiers append `:device` or `:ip:<ip>`. */
export const signInThrottleKey = (accountTag: string) => `${NS}:auth:signin:${accountTag}`;
