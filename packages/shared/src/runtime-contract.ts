// Names the runner and the web app must agree on: Redis keys and channels, and Kafka record headers
// and codes the dead-letter inbox reads. One definition, imported by both sides.

/** Per-second and 10-second metrics history (Redis streams) of one pipeline. */
export const historyStreamKey = (pipelineId: string, resolution: "1s" | "10s") => `sluice:hist:${pipelineId}:${resolution}`;

/** Alert transitions of one workspace (pub/sub). */
export const alertsChannel = (workspaceId: string) => `sluice:alerts:${workspaceId}`;

/** Sorted set of watched tap ports (`<pipeline>:<node>:<port>`, score = expiry in ms). */
export const TAP_INDEX_KEY = "sluice:taps";

/** Sampled records of a pipeline's watched ports (pub/sub). */
export const tapChannel = (pipelineId: string) => `sluice:tap:${pipelineId}`;

/** Header of a replayed dead letter: the node of the stage's chain it re-enters at. */
export const REPLAY_NODE_HEADER = "x-sluice-replay-node";
/** On a replayed dead letter: the attempts it already had, so failing again reports attempt n + 1, not 1. */
export const REPLAY_ATTEMPTS_HEADER = "x-sluice-replay-attempts";

/** Dead-letter code of a record whose value was not a JSON object (never replayable). */
export const UNDECODABLE_RECORD_CODE = "record.invalid-json";

/** Member of TAP_INDEX_KEY for one output port. */
export const tapMember = (pipelineId: string, nodeId: string, port: string) => `${pipelineId}:${nodeId}:${port}`;
