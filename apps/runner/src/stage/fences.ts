// Fence numbers: exactly-once into stateful stages.
//
// A record a stage writes to a topic that a stateful stage reads carries "<stream> <n>": stream = the
// writing stage's input topic (hashed) and partition, n = source offset × 1024 + the output's index
// among that offset's outputs. The writer handles a partition one batch at a time in offset order, so
// each stream reaches every partition of the topic in increasing n; when the writer runs records again
// (after a crash or a rebalance: at-least-once), the copies carry the same numbers, and the stateful
// reader skips every n at or below the highest it applied from that stream (kept in its checkpoint,
// atomically with its state). Records whose source offset is not known exactly (outputs of a node that
// builds a different number of new records) get no number and are always applied.
import { fnv1a32 } from "@sluice/shared";

export const FENCE_HEADER = "x-sluice-src";
const FENCE_FANOUT = 1024;

/** The fence stream of a writer reading `topic`'s `partition`. */
export const fenceStreamOf = (topic: string, partition: number) => `${fnv1a32(topic).toString(36)}.${partition}`;

/**
 * The reader's side: whether a record with this fence header is new (then `seen` moves to its number)
 * or a copy of one already applied from its stream (false; `seen` is unchanged).
 */
export function admitFenced(seen: Record<string, number>, fence: string): boolean {
  const space = fence.indexOf(" ");
  const stream = fence.slice(0, space);
  const n = Number(fence.slice(space + 1));
  const applied = seen[stream];
  if (applied !== undefined && n <= applied) return false;
  if (Number.isFinite(n)) seen[stream] = n;
  return true;
}

/**
 * The writer's side, for one batch: per topic and source offset, the outputs in order. Returns the
 * headers for the next output of `offset` written to `topic` (none past the fan-out bound).
 */
export function fenceNumbering(stream: string): (topic: string, offset: string) => Record<string, string> | undefined {
  const next = fenceNumbers();
  return (topic, offset) => {
    const n = next(topic, offset);
    return n === undefined ? undefined : { [FENCE_HEADER]: `${stream} ${n}` };
  };
}

/** The same numbers as fenceNumbering, bare (the combiner's partials carry them). */
export function fenceNumbers(): (topic: string, offset: string) => number | undefined {
  // Per topic, per offset (no key string built per output).
  const fenceIndex = new Map<string, Map<string, number>>();
  return (topic, offset) => {
    let ofTopic = fenceIndex.get(topic);
    if (!ofTopic) fenceIndex.set(topic, (ofTopic = new Map()));
    const index = ofTopic.get(offset) ?? 0;
    ofTopic.set(offset, index + 1);
    return index < FENCE_FANOUT ? Number(offset) * FENCE_FANOUT + index : undefined;
  };
}
