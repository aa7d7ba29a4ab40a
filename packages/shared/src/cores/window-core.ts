import { durationMs } from "../events/duration";
import { toIso } from "../events/event-time";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { CompiledExpression } from "../expr/compile-expression";
import type { NodeConfig } from "../nodes/registry";
import { type Accumulator, accumulate, aggregateResult, emptyAccumulator, mergeAccumulators } from "./aggregations";
import { mustCompile } from "./core-helpers";
import { partialOf } from "./window-partial-record";
import type { CoreContext, CoreFailure, StatefulCore, StatefulCoreResult } from "./core-types";
import {
  advanceWatermark,
  type ClockState,
  forgetFutureClock,
  isTooLate,
  observe,
  timedAndKeyed,
  partitionWatermark,
  tooLateError,
} from "./event-time-clock";
import { collectReady, earliest, type EventTimeSlot, isDue, mergeIntoSessions, newSlot } from "./event-time-slot";

type WindowConfig = NodeConfig<"window">;
type WindowSlot = EventTimeSlot<Accumulator[]>;

export type WindowState = {
  version: 1;
  clock: ClockState;
  /** Keyed by the JSON array of group-by values. */
  groups: Record<string, { values: JsonValue[]; slots: WindowSlot[] }>;
  /** Earliest watermark at which some slot must be emitted or dropped; null when nothing is open. */
  nextDueAt: number | null;
};

type GroupBy = readonly { name: string; expression: CompiledExpression<"value"> }[];

/**
 * A window stage restores a core from its checkpoint for every batch: the group-by expressions are
 * compiled once per config (evaluation is synchronous and keeps no state between events, so cores
 * may share them, as the combiner already shares a whole core).
 */
const groupByCache = new WeakMap<WindowConfig["groupBy"], GroupBy>();
function compiledGroupBy(groupBy: WindowConfig["groupBy"]): GroupBy {
  let compiled = groupByCache.get(groupBy);
  if (!compiled) {
    compiled = groupBy.map((group) => ({
      name: group.name,
      expression: mustCompile(group.expression, "value", `Group-by "${group.name}"`),
    }));
    groupByCache.set(groupBy, compiled);
  }
  return compiled;
}

export function initialWindowState(): WindowState {
  return { version: 1, clock: { maxEventTime: null, watermark: null }, groups: {}, nextDueAt: null };
}

/**
 * Tumbling, hopping and session window aggregation for one partition, in event time.
 *
 * - Lateness decisions use the watermark as it stood at the start of the batch; results fire at the
 *   end of the batch once the (possibly cross-partition) watermark passes a window's end.
 * - An event for a window that already fired but is within allowed lateness updates it, and the
 *   window is emitted again with revision + 1 and `isLateUpdate: true` (sinks upsert on windowId).
 * - An event whose every window is beyond allowed lateness goes to `late` (or the error port).
 *
 * Each group must live in one partition: the runner keys the topic feeding this node with
 * `groupKeyOf(event)`, like a keyBy before a window in Flink. Otherwise each partition would emit a
 * partial result under the same windowId.
 */
export class WindowCore implements StatefulCore<WindowState> {
  private readonly state: WindowState;
  private readonly groupBy: GroupBy;
  private readonly sizeMs: number;
  private readonly slideMs: number;
  private readonly gapMs: number;
  private readonly delayMs: number;
  private readonly latenessMs: number;

  constructor(
    private readonly config: WindowConfig,
    state?: WindowState,
  ) {
    if (state && state.version !== 1) throw new Error(`Unsupported window state version ${String(state.version)}`);
    this.state = state ? structuredClone(state) : initialWindowState();
    this.groupBy = compiledGroupBy(config.groupBy);
    this.sizeMs = durationMs(config.size);
    this.slideMs = config.kind === "hopping" && config.slide ? durationMs(config.slide) : this.sizeMs;
    this.gapMs = config.gap ? durationMs(config.gap) : 0;
    this.delayMs = durationMs(config.watermarkDelay);
    this.latenessMs = durationMs(config.allowedLateness);
  }

  /** The partition key for this node's input topic: the JSON array of group-by values. */
  groupKeyOf(event: EventRecord, now = 0): string {
    return JSON.stringify(this.groupValues(event, now));
  }

  /** The group-by values of an event (throws when an expression fails). */
  groupValues(event: EventRecord, now: number): JsonValue[] {
    return this.groupBy.map((group) => group.expression.evaluate({ event, now }));
  }

  process(batch: readonly EventRecord[], ctx: CoreContext): StatefulCoreResult {
    forgetFutureClock(this.state.clock, ctx.now);
    const watermark = this.state.clock.watermark;
    const late: EventRecord[] = [];
    const errors: CoreFailure[] = [];
    // Partials from a combiner (window-partials.ts): each stands for its events, all in the same windows.
    let events = batch;
    if (batch.some((record) => partialOf(record) !== undefined)) {
      const plain: EventRecord[] = [];
      events = plain;
      for (const record of batch) {
        const partial = partialOf(record);
        if (!partial) {
          plain.push(record);
          continue;
        }
        const key = JSON.stringify(partial.values);
        const accepted = this.addToFixedWindows(key, partial.values, partial.last, watermark, (acc) =>
          this.config.aggregations.forEach(
            (a, i) => (acc[i] = mergeAccumulators(a.function, acc[i]!, partial.acc[i]!)),
          ),
        );
        observe(this.state.clock, partial.last);
        // Only combined when too-late events are dropped (no Late edge): counted as the events would be.
        if (!accepted) late.push(record);
      }
    }
    for (const { event, eventTime, key: values } of timedAndKeyed(
      events,
      this.config.eventTimeField,
      (event): JsonValue[] => this.groupValues(event, ctx.now),
      errors,
      ctx.now,
    )) {
      const accepted =
        this.config.kind === "session"
          ? this.addToSession(JSON.stringify(values), values, eventTime, event, watermark)
          : this.addToFixedWindows(JSON.stringify(values), values, eventTime, watermark, (acc) =>
              this.config.aggregations.forEach((aggregation, i) => accumulate(acc[i]!, aggregation, event)),
            );
      observe(this.state.clock, eventTime);
      if (accepted) continue;
      if (this.config.lateEvents === "late-port") late.push(event);
      else errors.push({ event, error: tooLateError(eventTime, watermark) });
    }

    const partition = partitionWatermark(this.state.clock, this.delayMs);
    const advanced = advanceWatermark(this.state.clock, this.delayMs, ctx.watermark);
    return { outputs: { out: this.emitReady(advanced), late }, errors, watermark: partition };
  }

  snapshot(): WindowState {
    return structuredClone(this.state);
  }

  /**
   * The one window assignment of tumbling and hopping windows (the combiner uses it too): the starts
   * of every window covering `eventTime`, newest first. Starts are multiples of the slide.
   */
  windowStarts(eventTime: number): number[] {
    const starts: number[] = [];
    const lastStart = Math.floor(eventTime / this.slideMs) * this.slideMs;
    for (let start = lastStart; start > eventTime - this.sizeMs; start -= this.slideMs) starts.push(start);
    return starts;
  }

  /** Adds to every window covering `eventTime` that is not too late (`apply` updates a slot's accumulators). */
  private addToFixedWindows(
    key: string,
    values: JsonValue[],
    eventTime: number,
    watermark: number | null,
    apply: (acc: Accumulator[]) => void,
  ): boolean {
    let accepted = false;
    for (const start of this.windowStarts(eventTime)) {
      const end = start + this.sizeMs;
      if (isTooLate(end, this.latenessMs, watermark)) continue;
      accepted = true;
      const group = (this.state.groups[key] ??= { values, slots: [] });
      let slot = group.slots.find((candidate) => candidate.start === start);
      if (!slot) {
        slot = newSlot(
          start,
          end,
          eventTime,
          this.config.aggregations.map((a) => emptyAccumulator(a.function)),
        );
        group.slots.push(slot);
        group.slots.sort((a, b) => a.start - b.start);
      }
      apply(slot.acc);
      slot.last = Math.max(slot.last, eventTime);
      slot.dirty = true;
      if (watermark !== null && end <= watermark) slot.lateUpdate = true;
      this.state.nextDueAt = earliest(this.state.nextDueAt, end);
    }
    return accepted;
  }

  private addToSession(
    key: string,
    values: JsonValue[],
    eventTime: number,
    event: EventRecord,
    watermark: number | null,
  ): boolean {
    const acc = this.config.aggregations.map((aggregation) => {
      const single = emptyAccumulator(aggregation.function);
      accumulate(single, aggregation, event);
      return single;
    });
    const slots = mergeIntoSessions(this.state.groups[key]?.slots ?? [], eventTime, acc, {
      gapMs: this.gapMs,
      maxDurationMs: Infinity,
      allowedLatenessMs: this.latenessMs,
      watermark,
      merge: (a, b) =>
        this.config.aggregations.map((aggregation, i) => mergeAccumulators(aggregation.function, a[i]!, b[i]!)),
      idOf: (start) => windowId(start, key),
    });
    if (!slots) return false;
    this.state.groups[key] = { values, slots };
    for (const slot of slots) if (slot.dirty) this.state.nextDueAt = earliest(this.state.nextDueAt, slot.end);
    return true;
  }

  private emitReady(watermark: number | null): EventRecord[] {
    if (!isDue(this.state.nextDueAt, watermark)) return [];
    const emitted: { slot: WindowSlot; key: string; values: JsonValue[] }[] = [];
    let nextDueAt: number | null = null;
    for (const [key, group] of Object.entries(this.state.groups)) {
      const result = collectReady(group.slots, watermark, this.latenessMs);
      for (const slot of result.ready) emitted.push({ slot, key, values: group.values });
      nextDueAt = earliest(nextDueAt, result.nextDueAt);
      if (result.kept.length === 0) delete this.state.groups[key];
      else group.slots = result.kept;
    }
    this.state.nextDueAt = nextDueAt;
    emitted.sort(
      (a, b) => a.slot.end - b.slot.end || a.slot.start - b.slot.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    return emitted.map(({ slot, key, values }) => this.toResult(slot, key, values));
  }

  private toResult(slot: WindowSlot, key: string, values: JsonValue[]): EventRecord {
    const result: EventRecord = {
      windowId: windowId(slot.start, key),
      windowStart: toIso(slot.start),
      windowEnd: toIso(slot.end),
      // Event time of a result is just inside its window, so chained windows place it correctly.
      timestamp: toIso(slot.end - 1),
    };
    this.groupBy.forEach((group, i) => (result[group.name] = values[i] ?? null));
    this.config.aggregations.forEach(
      (aggregation, i) => (result[aggregation.name] = aggregateResult(aggregation.function, slot.acc[i]!)),
    );
    result.revision = slot.revision;
    result.isLateUpdate = slot.lateUpdate;
    result.supersedes = slot.supersedes;
    return result;
  }
}

/** Stable, readable id of a window result: its start plus the group-by values. */
function windowId(start: number, groupKey: string): string {
  return `${toIso(start)}|${groupKey}`;
}
