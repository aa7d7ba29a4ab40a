import { isTooLate } from "./event-time-clock";

/**
 * One window (fixed or session) of one key, as kept in checkpointed state. `end` is exclusive; for
 * sessions it is `last + gap`. A slot is emitted when the watermark passes `end` and it has unemitted
 * changes (`dirty`), and dropped once the watermark passes `end + allowed lateness`.
 */
export type EventTimeSlot<A> = {
  start: number;
  end: number;
  /** Newest event time in the slot. */
  last: number;
  acc: A;
  /** How many times this slot has been emitted; the next emission carries revision + 1. */
  revision: number;
  dirty: boolean;
  /** Changed by an event that arrived after the watermark had passed the slot's end. */
  lateUpdate: boolean;
  /** Ids of already-emitted sessions merged into this one, reported with its next emission. */
  supersedes: string[];
};

export function newSlot<A>(start: number, end: number, last: number, acc: A): EventTimeSlot<A> {
  return { start, end, last, acc, revision: 0, dirty: true, lateUpdate: false, supersedes: [] };
}

export type SessionMergeOptions<A> = {
  gapMs: number;
  /** Sessions never span more than this from first to last event (Infinity: unbounded). */
  maxDurationMs: number;
  allowedLatenessMs: number;
  watermark: number | null;
  merge: (a: A, b: A) => A;
  /** Stable id of a session starting at `start`, used for `supersedes`. */
  idOf: (start: number) => string;
};

/**
 * Adds one event at `eventTime` to a key's sessions, merging every session it bridges (as long as
 * the merged span stays within maxDuration). Returns the new slot list, or undefined when the event is
 * too late even for the merged session.
 */
export function mergeIntoSessions<A>(
  slots: readonly EventTimeSlot<A>[],
  eventTime: number,
  acc: A,
  options: SessionMergeOptions<A>,
): EventTimeSlot<A>[] | undefined {
  const { gapMs, maxDurationMs, merge, idOf, watermark } = options;
  let merged = newSlot(eventTime, eventTime + gapMs, eventTime, acc);
  const absorbed = new Set<EventTimeSlot<A>>();
  const overlapping = slots.filter((slot) => slot.start < eventTime + gapMs && eventTime < slot.end);
  for (const slot of overlapping) {
    const start = Math.min(merged.start, slot.start);
    const last = Math.max(merged.last, slot.last);
    if (last - start > maxDurationMs) continue;
    merged = {
      start,
      last,
      end: last + gapMs,
      acc: merge(slot.acc, merged.acc),
      revision: Math.max(slot.revision, merged.revision),
      dirty: true,
      lateUpdate: merged.lateUpdate || (slot.dirty && slot.lateUpdate),
      supersedes: [...merged.supersedes, ...slot.supersedes],
    };
    absorbed.add(slot);
  }
  if (isTooLate(merged.end, options.allowedLatenessMs, watermark)) return undefined;
  // Emitted sessions whose start moved get a new id: tell consumers which ids this one replaces.
  for (const slot of absorbed) {
    if (slot.revision > 0 && slot.start !== merged.start) merged.supersedes.push(idOf(slot.start));
  }
  if (watermark !== null && merged.end <= watermark) merged.lateUpdate = true;
  return [...slots.filter((slot) => !absorbed.has(slot)), merged].sort((a, b) => a.start - b.start);
}

/**
 * Splits slots into those to emit now (dirty and ended before the watermark) and those to keep
 * (not yet past end + lateness). `ready` holds copies carrying the revision being emitted; the kept
 * originals get their flags cleared.
 */
export function collectReady<A>(
  slots: readonly EventTimeSlot<A>[],
  watermark: number | null,
  allowedLatenessMs: number,
): { ready: EventTimeSlot<A>[]; kept: EventTimeSlot<A>[]; nextDueAt: number | null } {
  const ready: EventTimeSlot<A>[] = [];
  const kept: EventTimeSlot<A>[] = [];
  let nextDueAt: number | null = null;
  for (const slot of slots) {
    if (watermark !== null && slot.dirty && slot.end <= watermark) {
      slot.revision++;
      ready.push({ ...slot, supersedes: [...slot.supersedes] });
      slot.dirty = false;
      slot.lateUpdate = false;
      slot.supersedes = [];
    }
    if (isTooLate(slot.end, allowedLatenessMs, watermark)) continue;
    kept.push(slot);
    nextDueAt = earliest(nextDueAt, dueAt(slot, allowedLatenessMs));
  }
  return { ready, kept, nextDueAt };
}

/** When a slot next needs attention: emission if it has changes, otherwise removal. */
function dueAt(slot: EventTimeSlot<unknown>, allowedLatenessMs: number): number {
  return slot.dirty ? slot.end : slot.end + allowedLatenessMs;
}

export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * Whether any slot can be due at this watermark. Scanning every key on every batch would cost
 * O(open keys); with this, a 1-minute tumbling window scans about once a minute.
 */
export function isDue(nextDueAt: number | null, watermark: number | null): boolean {
  return nextDueAt !== null && watermark !== null && nextDueAt <= watermark;
}
