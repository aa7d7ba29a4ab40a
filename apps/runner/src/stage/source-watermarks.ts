// Per-source-partition watermarks carried through a repartition topic (Flink's per-input-channel
// minimum). A stateless stage that writes the input topic of a window or sessionize ends each batch
// with one watermark record in EVERY partition of that topic: "my source partition has reached event
// time t". It follows the batch's data records in each partition, so a reader that sees it has seen
// every record that source partition wrote there before. The stateful reader keeps, per input
// partition and in its checkpoint, the highest t per source partition, and its watermark is the
// minimum over them minus the node's watermarkDelay: a fast source partition can no longer close
// windows that a slower one still feeds.
import type { OutgoingMessage } from "@sluice/kafka";
import { durationMs, getPath, MAX_EVENT_TIME_SKEW_MS, type Plan, type PlanNode, toEpochMs } from "@sluice/shared";

/**
 * Header of a watermark record (its key and value are null): "<family> <partition> <expected> <eventTime>
 * <writtenAt>"; `expected` lists the partitions of the writer's input that had records to read when
 * the writer started ("0,1,2"; "-" for none): the reader waits for each of them to report once.
 */
export const WATERMARK_HEADER = "x-sluice-wm";

/**
 * What a reader knows of its sources. `streams`: per source partition ("<family>.<partition>", family =
 * hash of the writer's input topic) [highest event time, when its newest watermark was written].
 * `families`: per family, the partitions it expects to hear from and when its first watermark was written.
 */
export type SourceWatermarks = {
  streams: Record<string, [number, number]>;
  families: Record<string, { expect: number[]; since: number }>;
};

/** Drop a source partition silent this long (writer time) from the table, so it cannot grow without bound. */
const FORGET_AFTER_MS = 24 * 3600_000;

export function emptySourceWatermarks(): SourceWatermarks {
  return { streams: {}, families: {} };
}

export function encodeWatermark(
  family: string,
  partition: number,
  expected: readonly number[],
  eventTime: number,
  writtenAt: number,
): string {
  return `${family} ${partition} ${expected.length > 0 ? expected.join(",") : "-"} ${eventTime} ${writtenAt}`;
}

/** Applies one watermark record's header. Returns false for a malformed one (ignored). */
export function observeWatermark(table: SourceWatermarks, header: string): boolean {
  const [family, partition, expected, eventTime, writtenAt] = header.split(" ");
  const t = Number(eventTime);
  const at = Number(writtenAt);
  if (
    !family ||
    !partition ||
    !/^\d+$/.test(partition) ||
    !expected ||
    !/^(-|\d+(,\d+)*)$/.test(expected) ||
    !Number.isFinite(t) ||
    !Number.isFinite(at)
  )
    return false;
  const expect = expected === "-" ? [] : expected.split(",").map(Number);
  const stream = `${family}.${partition}`;
  const known = table.streams[stream];
  // A writer that runs a batch again re-sends an older t: keep the highest.
  table.streams[stream] = [known ? Math.max(known[0], t) : t, known ? Math.max(known[1], at) : at];
  const known_ = table.families[family];
  // Writers in several processes may list different partitions: wait for all of them.
  table.families[family] = known_
    ? { expect: [...new Set([...known_.expect, ...expect])].sort((a, b) => a - b), since: Math.min(known_.since, at) }
    : { expect, since: at };
  return true;
}

/**
 * The reader's watermark from its sources' progress, or:
 * - `undefined` when no source partition ever reported (the topic has no such writer, e.g. HTTP
 *   ingest writes a window's input directly): the caller keeps the core's own per-partition watermark;
 * - `null` while the watermark must hold (a source partition of a known family has not reported yet).
 *
 * Idle rule: a source partition whose newest watermark was written more than `idleMs` before the
 * newest watermark this reader has seen from any source partition does not hold the minimum back
 * (it has written nothing while others went on: no new events there, or all filtered out); nor does
 * an expected partition that never reported once its family's first watermark is that old. Time is the
 * writers' clock as carried in the records, not the reader's, so a reader that was down or lags
 * behind its backlog does not mistake the backlog's writers for idle ones. `caughtUpAt`: the reader's
 * clock, given when it has read everything there is (an idle tick): then silence counts up to now,
 * so a source partition that stopped writing stops holding the watermark after `idleMs` even when
 * no other one writes either.
 */
export function sourceWatermark(
  table: SourceWatermarks,
  delayMs: number,
  idleMs: number,
  caughtUpAt?: number,
): number | null | undefined {
  const entries = Object.values(table.streams);
  if (entries.length === 0) return undefined;
  let newest = caughtUpAt ?? -Infinity;
  for (const [, at] of entries) newest = Math.max(newest, at);
  // A family with an expected partition that has not reported yet holds the watermark, for a while.
  for (const [family, { expect, since }] of Object.entries(table.families)) {
    if (newest - since <= idleMs && expect.some((partition) => table.streams[`${family}.${partition}`] === undefined))
      return null;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const [t, at] of entries) {
    if (newest - at <= idleMs) min = Math.min(min, t);
    max = Math.max(max, t);
  }
  // Every source partition idle (only with the reader's clock): nothing holds back what was seen.
  return (min === Infinity ? max : min) - delayMs;
}

/** Forgets source partitions silent for a day of writer time (and families with none left). */
export function pruneSourceWatermarks(table: SourceWatermarks): void {
  let newest = -Infinity;
  for (const [, at] of Object.values(table.streams)) newest = Math.max(newest, at);
  for (const [stream, [, at]] of Object.entries(table.streams))
    if (newest - at > FORGET_AFTER_MS) delete table.streams[stream];
  const families = new Set(Object.keys(table.streams).map((s) => s.slice(0, s.lastIndexOf("."))));
  for (const family of Object.keys(table.families)) if (!families.has(family)) delete table.families[family];
}

/** Reads a stored table (absent or malformed: empty). */
export function readSourceWatermarks(value: unknown): SourceWatermarks {
  if (!value || typeof value !== "object") return emptySourceWatermarks();
  const v = value as Partial<SourceWatermarks>;
  return { streams: { ...(v.streams ?? {}) }, families: { ...(v.families ?? {}) } };
}

/** Where a writer stamps watermarks: a topic a window or sessionize reads: its reader's event-time field and its partition count. */
export type WatermarkTarget = { eventTimeField: string; partitions: number };

/** Topics whose reader is a window or sessionize (keyed for it), with the reader's event-time field. */
export function watermarkTopics(plan: Plan): Map<string, string> {
  const nodes = new Map(plan.stages.flatMap((s) => s.nodes).map((n) => [n.id, n]));
  const topics = new Map<string, string>();
  for (const [topic, keying] of Object.entries(plan.keying)) {
    if (keying.kind === "default") continue;
    const field = eventTimeFieldOf(nodes.get(keying.nodeId));
    if (field !== undefined) topics.set(topic, field);
  }
  return topics;
}

function eventTimeFieldOf(node: PlanNode | undefined): string | undefined {
  if (!node || (node.type !== "window" && node.type !== "sessionize")) return undefined;
  const field = (node.config as { eventTimeField?: unknown }).eventTimeField;
  return typeof field === "string" ? field : undefined;
}

/** The watermark delay of a window or sessionize node (0 for any other). */
export function watermarkDelayOf(node: PlanNode): number {
  const delay = (node.config as { watermarkDelay?: unknown }).watermarkDelay;
  return typeof delay === "string" ? durationMs(delay) : 0;
}

/** An event's time in `field`, if it has one. */
function eventTimeIn(event: unknown, field: string): number | undefined {
  return toEpochMs(getPath(event as never, field));
}

/**
 * The writer's side: the newest event time among `records` in `field` above `high` (ignoring times
 * more than MAX_EVENT_TIME_SKEW_MS after `now`), or `high` when none is newer.
 */
export function newestEventTime(
  high: number | undefined,
  records: readonly unknown[],
  field: string,
  now: number,
): number | undefined {
  let newest = high ?? -Infinity;
  for (const record of records) {
    const t = eventTimeIn(record, field);
    if (t !== undefined && t > newest && t <= now + MAX_EVENT_TIME_SKEW_MS) newest = t;
  }
  return newest > -Infinity ? newest : undefined;
}

/**
 * After a batch's records, in every partition of each window input it wrote to: how far this source
 * partition (`family`, `partition`) got in event time. Sent with the batch's records, so each
 * partition gets it after the data.
 */
export function watermarkMessages(
  highs: ReadonlyMap<string, number>,
  targets: ReadonlyMap<string, WatermarkTarget> | undefined,
  source: { family: string; partition: number; expected: readonly number[] },
  now: number,
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (const [topic, high] of highs) {
    const partitions = targets?.get(topic)?.partitions ?? 0;
    const header = encodeWatermark(source.family, source.partition, source.expected, high, now);
    for (let partition = 0; partition < partitions; partition++)
      messages.push({ topic, partition, key: null, value: null, headers: { [WATERMARK_HEADER]: header } });
  }
  return messages;
}
