import type { JsonValue } from "./json-value";

/**
 * Epoch milliseconds of an event-time value: an ISO-8601 string or epoch milliseconds.
 * Returns undefined when the value is missing or not a valid time, so callers decide whether that is
 * an error (windows) or a fallback case.
 */
export function toEpochMs(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.length === 0) return undefined;
  // Date.parse accepts some sloppy non-ISO formats; require a date-like prefix to avoid surprises.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
