import type { EventRecord, JsonValue } from "../events/json-value";
import type { Accumulator } from "./aggregations";

/**
 * Pre-aggregated events of one group and pane (see window-partials.ts), as the window core merges
 * them: `values` the group-by values, `last` the newest event time, `acc` one accumulator per
 * aggregation, `events` how many events it stands for.
 */
export type WindowPartial = { values: JsonValue[]; last: number; acc: Accumulator[]; events: number };

const partials = new WeakMap<EventRecord, WindowPartial>();

/** A record that carries a partial through the stage (in a batch beside events, in bisection, on Late). */
export function partialRecord(partial: WindowPartial): EventRecord {
  const record: EventRecord = {};
  partials.set(record, partial);
  return record;
}

export function partialOf(record: EventRecord): WindowPartial | undefined {
  return partials.get(record);
}

/** How many events these records stand for (a partial counts as its events). */
export function eventCount(records: readonly EventRecord[]): number {
  let n = 0;
  for (const record of records) n += partials.get(record)?.events ?? 1;
  return n;
}
