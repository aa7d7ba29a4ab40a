// The combiner: a stateless stage that writes a window's input topic pre-aggregates each batch's
// events per group and pane (the newest window start an event falls in) and writes one record per
// partition of that topic with the partials (format `WindowPartialsV1`, contract/kafka-headers.ts)
// instead of every event. The window merges a partial as it would have added its events: same window
// assignment (`WindowCore.windowStarts`), same event time (the newest of the partial's events), same
// lateness decision (every event of a pane falls in the same windows). Fence numbers of every event
// travel with it, so a reader that applied part of the events already applies only the rest.
import { getPath } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { WindowPartialsV1 } from "../contract/kafka-headers";
import type { NodeConfig } from "../nodes/registry";
import { durationMs } from "../events/duration";
import { type Accumulator, accumulate, accumulateValue, emptyAccumulator } from "./aggregations";
import { eventTimeOf, outOfRangeError } from "./event-time-clock";
import { WindowCore } from "./window-core";
import { partialRecord } from "./window-partial-record";

type WindowConfig = NodeConfig<"window">;

/**
 * Whether a window's input may be combined: tumbling, or hopping whose size is a multiple of its slide
 * (then every event of a pane falls in the same windows); every aggregation mergeable (all of them
 * are: count, sum, min, max, avg as sum + count, distinct-count as a set); too-late events dropped on
 * the Late port (`lateRouted`: the Late port has an edge, which needs the events themselves; with
 * "error-port" each too-late event is a dead letter, which needs them too).
 */
export function windowCombinable(config: WindowConfig, lateRouted: boolean): boolean {
  if (lateRouted || config.lateEvents !== "late-port") return false;
  if (config.kind === "session") return false;
  if (config.kind === "hopping") {
    const size = durationMs(config.size);
    const slide = config.slide ? durationMs(config.slide) : size;
    if (!(slide > 0) || size % slide !== 0) return false;
  }
  return true;
}

type Building = {
  groupKey: string;
  values: JsonValue[];
  pane: number;
  last: number;
  acc: Accumulator[];
  ns: number[];
  raws: JsonValue[][] | undefined;
};

/** One window's combiner for one writer batch. */
export class WindowCombiner {
  private readonly window: WindowCore;
  private readonly fields: { index: number; field: string }[];
  private building = new Map<string, Building>();

  /** `window`: a core of the same config, for its group-by and window assignment (its state is not used). */
  constructor(
    private readonly config: WindowConfig,
    window?: WindowCore,
  ) {
    this.window = window ?? new WindowCore(config);
    this.fields = config.aggregations.flatMap((a, index) => (a.field === undefined ? [] : [{ index, field: a.field }]));
  }

  /**
   * Adds an event with fence number `n`; returns its group key (JSON of the group-by values, the
   * partition key of the window's input), or undefined when the window must see the event itself
   * (no or out-of-range event time, a group-by that fails): the window then handles it as today.
   */
  add(event: EventRecord, n: number, now: number): string | undefined {
    const eventTime = eventTimeOf(event, this.config.eventTimeField);
    if (eventTime === undefined || outOfRangeError(eventTime, now)) return undefined;
    let values: JsonValue[];
    try {
      values = this.window.groupValues(event, now);
    } catch {
      return undefined;
    }
    const groupKey = JSON.stringify(values);
    const pane = this.window.windowStarts(eventTime)[0];
    if (pane === undefined) return undefined;
    const id = `${pane}|${groupKey}`;
    let building = this.building.get(id);
    if (!building) {
      building = {
        groupKey,
        values,
        pane,
        last: eventTime,
        acc: this.config.aggregations.map((a) => emptyAccumulator(a.function)),
        ns: [],
        raws: this.fields.length > 0 ? [] : undefined,
      };
      this.building.set(id, building);
    }
    this.config.aggregations.forEach((aggregation, i) => accumulate(building.acc[i]!, aggregation, event));
    if (eventTime > building.last) building.last = eventTime;
    building.ns.push(n);
    building.raws?.push(this.fields.map(({ field }) => getPath(event, field) ?? null));
    return groupKey;
  }

  /** The partials built so far, each with its group key; the combiner starts empty again. */
  take(): { groupKey: string; partial: WindowPartialsV1["p"][number]; first: number; last: number }[] {
    const taken = [...this.building.values()].map((b) => ({
      groupKey: b.groupKey,
      first: Math.min(...b.ns),
      last: Math.max(...b.ns),
      partial: {
        g: b.values,
        w: b.pane,
        t: b.last,
        a: b.acc,
        n: encodeNumbers(b.ns),
        ...(b.raws ? { r: JSON.stringify(b.raws) } : {}),
      },
    }));
    this.building = new Map();
    return taken;
  }
}

/**
 * A partials record's content as records for the window (partials and plain events), keeping only
 * what has a fence number above `after` (what the reader applied from the writer's stream; undefined:
 * everything). The events of a partial are rebuilt from their raw values when some were applied.
 */
export function readPartials(
  value: WindowPartialsV1,
  config: WindowConfig,
  after: number | undefined,
): { partials: EventRecord[]; events: EventRecord[] } {
  const partials: EventRecord[] = [];
  for (const p of value.p) {
    const ns = decodeNumbers(p.n);
    if (after === undefined || Math.min(...ns) > after) {
      partials.push(partialRecord({ values: p.g, last: p.t, acc: p.a, events: ns.length }));
      continue;
    }
    const keep = ns.map((n) => n > after);
    const events = keep.filter(Boolean).length;
    if (events === 0) continue;
    const raws = p.r === undefined ? [] : (JSON.parse(p.r) as JsonValue[][]);
    const acc = config.aggregations.map((a) => emptyAccumulator(a.function));
    const fieldIndex = new Map<number, number>();
    config.aggregations.forEach((a, i) => a.field !== undefined && fieldIndex.set(i, fieldIndex.size));
    keep.forEach((kept, j) => {
      if (!kept) return;
      config.aggregations.forEach((aggregation, i) => {
        const at = fieldIndex.get(i);
        accumulateValue(acc[i]!, aggregation, at === undefined ? undefined : raws[j]?.[at]);
      });
    });
    // The newest event time of what is left is at most `t`; every event was applied before or now,
    // so the window saw `t` either way.
    partials.push(partialRecord({ values: p.g, last: p.t, acc, events }));
  }
  const events = (value.e ?? []).filter(([n]) => after === undefined || n > after).map(([, event]) => event);
  return { partials, events };
}

/** Increasing integers as "first,diff,diff…" in base 36. */
function encodeNumbers(ns: readonly number[]): string {
  let text = "";
  let previous = 0;
  for (let i = 0; i < ns.length; i++) {
    const n = ns[i]!;
    text += (i === 0 ? "" : ",") + (n - previous).toString(36);
    previous = n;
  }
  return text;
}

function decodeNumbers(text: string): number[] {
  const ns: number[] = [];
  let previous = 0;
  for (const part of text.split(",")) {
    previous += parseInt(part, 36);
    ns.push(previous);
  }
  return ns;
}
