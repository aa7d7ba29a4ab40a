import { toRecordError } from "./core-helpers";
import { getPath } from "../events/field-path";
import type { EventRecord } from "../events/json-value";
import { describeTime, EARLIEST_EVENT_TIME_MS, MAX_EVENT_TIME_SKEW_MS, toEpochMs } from "../events/event-time";

/**
 * Event-time bookkeeping shared by windows and sessions. `maxEventTime` is this partition's newest
 * event time; `watermark` is the effective watermark that fired windows (monotonic, possibly the
 * cross-partition minimum fed back by the runner). Null means "nothing seen yet" (JSON has no -Infinity).
 */
export type ClockState = { maxEventTime: number | null; watermark: number | null };

export function eventTimeOf(event: EventRecord, field: string): number | undefined {
  return toEpochMs(getPath(event, field));
}

export function observe(clock: ClockState, eventTime: number): void {
  clock.maxEventTime = clock.maxEventTime === null ? eventTime : Math.max(clock.maxEventTime, eventTime);
}

/**
 * Checkpoints written before event times were bounded (outOfRangeError) may hold a clock a
 * far-future event moved: it is forgotten, or every later event would stay late. A clock that
 * only followed accepted events is never that far ahead of processing time.
 */
export function forgetFutureClock(clock: ClockState, now: number): void {
  const latest = now + MAX_EVENT_TIME_SKEW_MS;
  if (clock.maxEventTime === null || clock.maxEventTime <= latest) return;
  clock.maxEventTime = null;
  if (clock.watermark !== null && clock.watermark > latest) clock.watermark = null;
}

/** This partition's candidate watermark: newest event time minus the out-of-order delay. */
export function partitionWatermark(clock: ClockState, delayMs: number): number | null {
  return clock.maxEventTime === null ? null : clock.maxEventTime - delayMs;
}

/**
 * Advances the effective watermark after a batch. With a combined watermark from the runner that one
 * is used (a partition must not fire windows other partitions still feed); otherwise this partition's
 * own. Never moves backwards, so fired windows stay fired after a restart or rebalance.
 */
export function advanceWatermark(
  clock: ClockState,
  delayMs: number,
  combined: number | null | undefined,
): number | null {
  const candidate = combined === undefined ? partitionWatermark(clock, delayMs) : combined;
  if (candidate !== null && (clock.watermark === null || candidate > clock.watermark)) clock.watermark = candidate;
  return clock.watermark;
}

/** True when `end` (a window or session end) plus allowed lateness is already behind the watermark. */
export function isTooLate(end: number, allowedLatenessMs: number, watermark: number | null): boolean {
  return watermark !== null && end + allowedLatenessMs <= watermark;
}

export function tooLateError(eventTime: number, watermark: number | null): { code: string; message: string } {
  return {
    code: "event.too-late",
    message: `Event time ${describeTime(eventTime)} is beyond the allowed lateness (watermark ${watermark === null ? "none" : describeTime(watermark)})`,
  };
}

function missingEventTimeError(field: string): { code: string; message: string } {
  return {
    code: "event-time.missing",
    message: `Field "${field}" is missing or is not an ISO timestamp or epoch milliseconds`,
  };
}

/**
 * An event time a stateful node refuses: more than MAX_EVENT_TIME_SKEW_MS ahead of processing time
 * (it would move the watermark, or dedup's clock, so far that every later event is late or expired),
 * or before year 1 (window ids and ends must stay printable dates).
 */
export function outOfRangeError(eventTime: number, now: number): { code: string; message: string } | undefined {
  if (eventTime > now + MAX_EVENT_TIME_SKEW_MS) {
    return {
      code: "event-time.out-of-range",
      message: `Event time ${describeTime(eventTime)} is more than 24 hours ahead of processing time ${describeTime(now)}`,
    };
  }
  if (eventTime < EARLIEST_EVENT_TIME_MS)
    return { code: "event-time.out-of-range", message: `Event time ${describeTime(eventTime)} is before year 1` };
  return undefined;
}

/**
 * The events of a batch that have an event time in range (see outOfRangeError; `now` is the
 * batch's processing time) and a computable key, in order. Any other event becomes a failure in
 * `errors` (its error output) instead; the batch goes on.
 */
export function* timedAndKeyed<K>(
  batch: readonly EventRecord[],
  eventTimeField: string,
  keyOf: (event: EventRecord) => K,
  errors: { event: EventRecord; error: { code: string; message: string } }[],
  now: number,
): Generator<{ event: EventRecord; eventTime: number; key: K }> {
  for (const event of batch) {
    const eventTime = eventTimeOf(event, eventTimeField);
    if (eventTime === undefined) {
      errors.push({ event, error: missingEventTimeError(eventTimeField) });
      continue;
    }
    const outOfRange = outOfRangeError(eventTime, now);
    if (outOfRange) {
      errors.push({ event, error: outOfRange });
      continue;
    }
    let key: K;
    try {
      key = keyOf(event);
    } catch (error) {
      errors.push({ event, error: toRecordError(error) });
      continue;
    }
    yield { event, eventTime, key };
  }
}
