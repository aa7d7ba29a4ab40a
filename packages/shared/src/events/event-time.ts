import type { JsonValue } from "./json-value";

/** ECMAScript dates exist within ±8.64e15 ms of the epoch; beyond that `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;

/**
 * Epoch milliseconds of an event-time value: an ISO-8601 string or epoch milliseconds.
 * Returns undefined when the value is missing or not a valid time (including numbers outside the
 * range a date can represent), so callers decide whether that is an error (windows) or a fallback case.
 */
export function toEpochMs(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS ? value : undefined;
  if (typeof value !== "string" || value.length === 0) return undefined;
  // Date.parse accepts some sloppy non-ISO formats; require a date-like prefix to avoid surprises.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** For messages: an ISO time, or the raw number when it is not a representable date (never throws). */
export function describeTime(epochMs: number): string {
  return Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS ? toIso(epochMs) : String(epochMs);
}

/**
 * How far an event's time may lie ahead of processing time. Ingest rejects later events (per event,
 * with a reason); windows, sessions and dedup send them to the error port instead of letting one
 * event move the watermark (or dedup's clock) into the future, where every later event is late.
 */
export const MAX_EVENT_TIME_SKEW_MS = 24 * 3600 * 1000;

/** The earliest event time stateful nodes accept (0001-01-01): window ids and ends stay ISO-printable. */
export const EARLIEST_EVENT_TIME_MS = -62_135_596_800_000;

/** Event times ingest accepts, relative to the receive time. */
export type EventTimeWindow = {
  /** Earliest accepted event time (epoch ms). Default 2000-01-01T00:00:00Z. */
  notBeforeMs: number;
  /** How far ahead of the receive time an event may be. Default 1 day (MAX_EVENT_TIME_SKEW_MS). */
  maxFutureMs: number;
};

export const DEFAULT_EVENT_TIME_WINDOW: EventTimeWindow = {
  notBeforeMs: Date.UTC(2000, 0, 1),
  maxFutureMs: MAX_EVENT_TIME_SKEW_MS,
};

/** Why `eventTime` falls outside `window` around `referenceMs`, or undefined when it is inside. */
export function eventTimeOutsideWindow(
  eventTime: number,
  referenceMs: number,
  window: EventTimeWindow,
): string | undefined {
  if (eventTime < window.notBeforeMs)
    return `event time ${describeTime(eventTime)} is before ${toIso(window.notBeforeMs)}`;
  if (eventTime > referenceMs + window.maxFutureMs) {
    return `event time ${describeTime(eventTime)} is more than ${Math.round(window.maxFutureMs / 60_000)} minutes ahead of ${toIso(referenceMs)}`;
  }
  return undefined;
}
