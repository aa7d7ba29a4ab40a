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
  // Most event times are what toISOString prints (ingest's own, and SDKs'): read those directly.
  if (value.length === 24) {
    const ms = canonicalIsoMs(value);
    if (ms !== undefined) return ms;
  }
  // Date.parse accepts some sloppy non-ISO formats; require a date-like prefix to avoid surprises.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Digit at `i` of `s` (0–9), or -1. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The two digits at `i` of `s` as a number, or -1. */
function twoDigitsAt(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * "YYYY-MM-DDTHH:MM:SS.sssZ" (toISOString's form) as epoch ms, when every field is one Date.parse reads
 * the same way Date.UTC does (year 1000 or later, day 1–28, hour below 24); undefined leaves the
 * string to Date.parse (other forms, days 29–31 that it may roll over, 24:00, invalid text).
 */
function canonicalIsoMs(s: string): number | undefined {
  if (
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  )
    return undefined;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const d = digitAt(s, i);
    if (d < 0) return undefined;
    year = year * 10 + d;
  }
  const month = twoDigitsAt(s, 5);
  const day = twoDigitsAt(s, 8);
  const hour = twoDigitsAt(s, 11);
  const minute = twoDigitsAt(s, 14);
  const second = twoDigitsAt(s, 17);
  const m1 = digitAt(s, 20);
  const m2 = digitAt(s, 21);
  const m3 = digitAt(s, 22);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 28 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    m1 < 0 ||
    m2 < 0 ||
    m3 < 0
  )
    return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, m1 * 100 + m2 * 10 + m3);
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
