import { durationMs } from "../events/duration";
import { toIso } from "../events/event-time";
import { getPath } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { CompiledExpression } from "../expr/compile-expression";
import type { NodeConfig } from "../nodes/registry";
import { dictionary, mustCompile } from "./core-helpers";
import type { CoreContext, CoreFailure, StatefulCore, StatefulCoreResult } from "./core-types";
import {
  advanceWatermark,
  type ClockState,
  forgetFutureClock,
  observe,
  timedAndKeyed,
  partitionWatermark,
  tooLateError,
} from "./event-time-clock";
import { collectReady, earliest, type EventTimeSlot, isDue, mergeIntoSessions } from "./event-time-slot";

type SessionizeConfig = NodeConfig<"sessionize">;

/** Running summary of one session; mergeable because late events can bridge two sessions. */
export type SessionSummary = {
  eventCount: number;
  pageViews: number;
  eventTypes: Record<string, number>;
  firstTime: number;
  firstPage: JsonValue;
  lastTime: number;
  lastPage: JsonValue;
};

export type SessionizeState = {
  version: 1;
  clock: ClockState;
  /** Open sessions per user key, sorted by start. */
  users: Record<string, EventTimeSlot<SessionSummary>[]>;
  nextDueAt: number | null;
};

export function initialSessionizeState(): SessionizeState {
  return { version: 1, clock: { maxEventTime: null, watermark: null }, users: {}, nextDueAt: null };
}

/**
 * Per-user sessions in event time: a session ends after `inactivityGap` without events, never spans
 * more than `maxDuration`, and is emitted once the watermark passes its last event + gap. Late events
 * within allowed lateness extend or merge sessions and re-emit them (revision + 1; `supersedes` lists
 * session ids that a merge made obsolete). Input must be keyed by user (key-by upstream).
 */
export class SessionizeCore implements StatefulCore<SessionizeState> {
  private readonly state: SessionizeState;
  /** `state.users` while running: a Map, so user keys such as `__proto__` are ordinary keys. */
  private readonly users: Map<string, EventTimeSlot<SessionSummary>[]>;
  private readonly userKey: CompiledExpression<"key">;
  private readonly gapMs: number;
  private readonly maxDurationMs: number;
  private readonly delayMs: number;
  private readonly latenessMs: number;

  constructor(
    private readonly config: SessionizeConfig,
    state?: SessionizeState,
  ) {
    if (state && state.version !== 1) throw new Error(`Unsupported sessionize state version ${String(state.version)}`);
    this.state = state ? structuredClone(state) : initialSessionizeState();
    this.users = new Map(Object.entries(this.state.users));
    this.state.users = {};
    this.userKey = mustCompile(config.userKey, "key", "User key");
    this.gapMs = durationMs(config.inactivityGap);
    this.maxDurationMs = durationMs(config.maxDuration);
    this.delayMs = durationMs(config.watermarkDelay);
    this.latenessMs = durationMs(config.allowedLateness);
  }

  process(batch: readonly EventRecord[], ctx: CoreContext): StatefulCoreResult {
    forgetFutureClock(this.state.clock, ctx.now);
    const watermark = this.state.clock.watermark;
    const late: EventRecord[] = [];
    const errors: CoreFailure[] = [];
    for (const { event, eventTime, key: user } of timedAndKeyed(
      batch,
      this.config.eventTimeField,
      (event) => this.userKey.evaluate({ event, now: ctx.now }),
      errors,
      ctx.now,
    )) {
      const slots = mergeIntoSessions(this.users.get(user) ?? [], eventTime, this.summarise(event, eventTime), {
        gapMs: this.gapMs,
        maxDurationMs: this.maxDurationMs,
        allowedLatenessMs: this.latenessMs,
        watermark,
        merge: mergeSummaries,
        idOf: (start) => sessionId(user, start),
      });
      observe(this.state.clock, eventTime);
      if (slots) {
        this.users.set(user, slots);
        for (const slot of slots) if (slot.dirty) this.state.nextDueAt = earliest(this.state.nextDueAt, slot.end);
      } else if (this.config.lateEvents === "late-port") {
        late.push(event);
      } else {
        errors.push({ event, error: tooLateError(eventTime, watermark) });
      }
    }
    const partition = partitionWatermark(this.state.clock, this.delayMs);
    const advanced = advanceWatermark(this.state.clock, this.delayMs, ctx.watermark);
    return { outputs: { sessions: this.emitReady(advanced), late }, errors, watermark: partition };
  }

  snapshot(): SessionizeState {
    return { ...structuredClone(this.state), users: Object.fromEntries(structuredClone(this.users)) };
  }

  private summarise(event: EventRecord, eventTime: number): SessionSummary {
    const type = typeof event.type === "string" ? event.type : "unknown";
    const page = getPath(event, this.config.pageField) ?? null;
    return {
      eventCount: 1,
      pageViews: type === this.config.pageViewType ? 1 : 0,
      eventTypes: dictionary({ [type]: 1 }),
      firstTime: eventTime,
      firstPage: page,
      lastTime: eventTime,
      lastPage: page,
    };
  }

  private emitReady(watermark: number | null): EventRecord[] {
    if (!isDue(this.state.nextDueAt, watermark)) return [];
    const emitted: { user: string; slot: EventTimeSlot<SessionSummary> }[] = [];
    let nextDueAt: number | null = null;
    for (const [user, slots] of this.users) {
      const result = collectReady(slots, watermark, this.latenessMs);
      for (const slot of result.ready) emitted.push({ user, slot });
      nextDueAt = earliest(nextDueAt, result.nextDueAt);
      if (result.kept.length === 0) this.users.delete(user);
      else this.users.set(user, result.kept);
    }
    this.state.nextDueAt = nextDueAt;
    emitted.sort(
      (a, b) =>
        a.slot.end - b.slot.end || a.slot.start - b.slot.start || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0),
    );
    return emitted.map(({ user, slot }) => ({
      sessionId: sessionId(user, slot.start),
      userKey: user,
      sessionStart: toIso(slot.start),
      sessionEnd: toIso(slot.last),
      durationMs: slot.last - slot.start,
      eventCount: slot.acc.eventCount,
      pageViews: slot.acc.pageViews,
      eventTypes: { ...slot.acc.eventTypes },
      landingPage: slot.acc.firstPage,
      exitPage: slot.acc.lastPage,
      timestamp: toIso(slot.last),
      revision: slot.revision,
      isLateUpdate: slot.lateUpdate,
      supersedes: slot.supersedes,
    }));
  }
}

function sessionId(user: string, start: number): string {
  return `${user}@${toIso(start)}`;
}

/** Earlier first event wins the landing page, later last event the exit page (ties keep `a`). */
function mergeSummaries(a: SessionSummary, b: SessionSummary): SessionSummary {
  const eventTypes = dictionary(a.eventTypes);
  for (const [type, count] of Object.entries(b.eventTypes)) eventTypes[type] = (eventTypes[type] ?? 0) + count;
  const first = b.firstTime < a.firstTime ? b : a;
  const last = b.lastTime > a.lastTime ? b : a;
  return {
    eventCount: a.eventCount + b.eventCount,
    pageViews: a.pageViews + b.pageViews,
    eventTypes,
    firstTime: first.firstTime,
    firstPage: first.firstPage,
    lastTime: last.lastTime,
    lastPage: last.lastPage,
  };
}
