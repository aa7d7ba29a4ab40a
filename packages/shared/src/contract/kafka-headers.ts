// Kafka record headers and dead-letter codes the web's dead-letter inbox and the runner agree on,
// and the format of window partials on a window's input topic.
import type { EventRecord, JsonValue } from "../events/json-value";

/** Header of a replayed dead letter: the node of the stage's chain it re-enters at. */
export const REPLAY_NODE_HEADER = "x-sluice-replay-node";
/** On a replayed dead letter: the attempts it already had, so failing again reports attempt n + 1, not 1. */
export const REPLAY_ATTEMPTS_HEADER = "x-sluice-replay-attempts";

/** Dead-letter code of a record whose value was not a JSON object (never replayable). */
export const UNDECODABLE_RECORD_CODE = "record.invalid-json";

/**
 * Marks a record of a window's input topic that carries pre-aggregated window partials (the combiner,
 * ENGINE.md "Combiner") instead of one event. Value: "<format version> <first fence number>"; the
 * record's fence header (`x-sluice-src`, "<stream> <n>") carries the last fence number it covers.
 * Format 1 is `WindowPartialsV1` as JSON. A reader that does not know the version must not count it.
 */
export const PARTIAL_HEADER = "x-sluice-partial";
export const PARTIAL_FORMAT_VERSION = 1;

/**
 * One writer batch's partials for one partition of a window's input topic (format 1). `p`: per group
 * and pane (the newest window start an event falls in; every event of a pane falls in the same windows):
 * `g` the group-by values, `w` the pane start (epoch ms), `t` the newest event time, `a` one accumulator
 * per aggregation (`{ n, v, set? }`, as the window keeps them), `n` the fence numbers of the events it
 * holds (first absolute, then differences, base 36, comma-separated), `r` per event the raw values of
 * the aggregations that read a field (JSON text; absent when none does): with `n` they let a reader
 * that applied some of these events already (a writer's re-run cut into other batches) apply only the
 * rest. `e`: events the writer could not combine (no or out-of-range event time, a failing group-by),
 * with their fence numbers, for the window to handle (dead-letter) one by one.
 */
export type WindowPartialsV1 = {
  p: {
    g: JsonValue[];
    w: number;
    t: number;
    a: { n: number; v: number | null; set?: Record<string, 1> }[];
    n: string;
    r?: string;
  }[];
  e?: [number, EventRecord][];
};
