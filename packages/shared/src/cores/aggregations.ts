import { getPath } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { AggregationFunction, WindowAggregation } from "../nodes/transforms/window";

/**
 * One aggregation's running state, kept JSON-serialisable for checkpoints and mergeable so session
 * windows can be combined. `n` counts contributing values, `v` is the running sum/min/max, `set` the
 * distinct values (as JSON strings).
 */
export type Accumulator = { n: number; v: number | null; set?: Record<string, 1> };

export function emptyAccumulator(fn: AggregationFunction): Accumulator {
  return fn === "distinct-count" ? { n: 0, v: null, set: {} } : { n: 0, v: null };
}

/**
 * Adds one record. SQL-like: a missing/null field is skipped (count without a field counts records).
 * Numeric strings count as numbers for sum/min/max/avg because JSON producers often quote amounts.
 */
export function accumulate(acc: Accumulator, aggregation: WindowAggregation, event: EventRecord): void {
  const field = aggregation.field;
  accumulateValue(acc, aggregation, field === undefined ? undefined : getPath(event, field));
}

/** Adds one record's value of the aggregation's field (`undefined` when absent, or when it has no field). */
export function accumulateValue(acc: Accumulator, aggregation: WindowAggregation, raw: JsonValue | undefined): void {
  const { function: fn, field } = aggregation;
  if (fn === "count") {
    if (field === undefined || (raw !== undefined && raw !== null)) acc.n++;
    return;
  }
  if (raw === undefined || raw === null) return;
  if (fn === "distinct-count") {
    acc.set![JSON.stringify(raw)] = 1;
    return;
  }
  const value = toNumber(raw);
  if (value === undefined) return;
  acc.n++;
  if (fn === "min") acc.v = acc.v === null ? value : Math.min(acc.v, value);
  else if (fn === "max") acc.v = acc.v === null ? value : Math.max(acc.v, value);
  else acc.v = (acc.v ?? 0) + value; // sum and avg
}

export function mergeAccumulators(fn: AggregationFunction, a: Accumulator, b: Accumulator): Accumulator {
  if (fn === "distinct-count") return { n: 0, v: null, set: { ...a.set, ...b.set } };
  if (fn === "count") return { n: a.n + b.n, v: null };
  if (a.v === null) return { ...b };
  if (b.v === null) return { ...a };
  const v = fn === "min" ? Math.min(a.v, b.v) : fn === "max" ? Math.max(a.v, b.v) : a.v + b.v;
  return { n: a.n + b.n, v };
}

export function aggregateResult(fn: AggregationFunction, acc: Accumulator): number | null {
  switch (fn) {
    case "count":
      return acc.n;
    case "sum":
      return acc.v ?? 0;
    case "avg":
      return acc.n === 0 || acc.v === null ? null : acc.v / acc.n;
    case "distinct-count":
      return Object.keys(acc.set ?? {}).length;
    default:
      return acc.v;
  }
}

function toNumber(value: JsonValue): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}
