// Kafka record headers and dead-letter codes the web's dead-letter inbox and the runner agree on.

/** Header of a replayed dead letter: the node of the stage's chain it re-enters at. */
export const REPLAY_NODE_HEADER = "x-sluice-replay-node";
/** On a replayed dead letter: the attempts it already had, so failing again reports attempt n + 1, not 1. */
export const REPLAY_ATTEMPTS_HEADER = "x-sluice-replay-attempts";

/** Dead-letter code of a record whose value was not a JSON object (never replayable). */
export const UNDECODABLE_RECORD_CODE = "record.invalid-json";
