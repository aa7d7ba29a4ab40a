import { durationMs } from "../events/duration";
import { MAX_EVENT_TIME_SKEW_MS } from "../events/event-time";
import type { EventRecord } from "../events/json-value";
import type { CompiledExpression } from "../expr/compile-expression";
import type { NodeConfig } from "../nodes/registry";
import { dictionary, mustCompile } from "./core-helpers";
import type { CoreContext, CoreFailure, StatefulCore, StatefulCoreResult } from "./core-types";
import { timedAndKeyed } from "./event-time-clock";

export type DedupState = {
  version: 1;
  /** Newest event time seen in this partition. */
  maxEventTime: number | null;
  /** Key -> event time until which repeats of it are duplicates. */
  seen: Record<string, number>;
  /** Expiry bucket index -> keys expiring in it, so purging does not scan every key. */
  buckets: Record<string, string[]>;
};

export function initialDedupState(): DedupState {
  return { version: 1, maxEventTime: null, seen: {}, buckets: {} };
}

/**
 * Drops repeats of a key within `window` of event time after its first occurrence.
 *
 * A key is remembered while its expiry (first event time + window) is ahead of the newest event time
 * seen in the partition. Both the check and the purge are defined by event time and event order alone,
 * so replaying the same events after a crash (from a checkpoint) gives the same decisions no matter
 * how the runner splits them into batches. Duplicates must share a partition: dedup upstream of any
 * repartition, or after key-by on a key that duplicates share (user id, event id).
 */
export class DedupCore implements StatefulCore<DedupState> {
  private readonly state: DedupState;
  /** `state.seen` while running: a Map, so keys such as `__proto__` or `constructor` are ordinary keys. */
  private readonly seen: Map<string, number>;
  private readonly key: CompiledExpression<"key">;
  private readonly windowMs: number;
  /** Purge granularity: fine enough to bound memory, coarse enough to keep buckets few. */
  private readonly bucketMs: number;

  constructor(
    private readonly config: NodeConfig<"dedup">,
    state?: DedupState,
  ) {
    if (state && state.version !== 1) throw new Error(`Unsupported dedup state version ${String(state.version)}`);
    this.state = state ? structuredClone(state) : initialDedupState();
    this.seen = new Map(Object.entries(this.state.seen));
    this.state.seen = {};
    this.state.buckets = dictionary(this.state.buckets);
    this.key = mustCompile(config.key, "key", "Dedup key");
    this.windowMs = durationMs(config.window);
    this.bucketMs = Math.max(1_000, Math.floor(this.windowMs / 16));
  }

  process(batch: readonly EventRecord[], ctx: CoreContext): StatefulCoreResult {
    // A clock a far-future event moved before event times were bounded: every key would expire at once.
    if (this.state.maxEventTime !== null && this.state.maxEventTime > ctx.now + MAX_EVENT_TIME_SKEW_MS)
      this.state.maxEventTime = null;
    const out: EventRecord[] = [];
    const duplicates: EventRecord[] = [];
    const errors: CoreFailure[] = [];
    for (const { event, eventTime, key } of timedAndKeyed(
      batch,
      this.config.eventTimeField,
      (event) => this.key.evaluate({ event, now: ctx.now }),
      errors,
      ctx.now,
    )) {
      const newest = this.state.maxEventTime === null ? eventTime : Math.max(this.state.maxEventTime, eventTime);
      this.state.maxEventTime = newest;
      const expiresAt = this.seen.get(key);
      if (expiresAt !== undefined && expiresAt > newest) {
        duplicates.push(event);
        continue;
      }
      this.remember(key, eventTime + this.windowMs);
      out.push(event);
    }
    this.purge();
    return { outputs: { out, duplicates }, errors, watermark: this.state.maxEventTime };
  }

  snapshot(): DedupState {
    return { ...structuredClone(this.state), seen: Object.fromEntries(this.seen) };
  }

  private remember(key: string, expiresAt: number): void {
    this.seen.set(key, expiresAt);
    const bucket = String(Math.floor(expiresAt / this.bucketMs));
    (this.state.buckets[bucket] ??= []).push(key);
  }

  /** Forgets keys that can no longer match (expiry at or behind the newest event time). */
  private purge(): void {
    const newest = this.state.maxEventTime;
    if (newest === null) return;
    for (const [bucket, keys] of Object.entries(this.state.buckets)) {
      if ((Number(bucket) + 1) * this.bucketMs > newest) continue;
      for (const key of keys) {
        const expiresAt = this.seen.get(key);
        if (expiresAt !== undefined && expiresAt <= newest) this.seen.delete(key);
      }
      delete this.state.buckets[bucket];
    }
  }
}
