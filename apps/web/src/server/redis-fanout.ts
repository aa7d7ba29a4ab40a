import "server-only";
import { Redis } from "ioredis";
import { env } from "./env";
import { singleton } from "./singleton";

type Listener = (message: string) => void;

/**
 * One Redis pub/sub connection per web process, shared by every live stream (metrics, alerts):
 * each channel is SUBSCRIBEd once however many browser tabs listen to it, and unsubscribed when
 * the last one leaves. Listeners get the raw message; parsing is the caller's business.
 */
class RedisFanout {
  private subscriber: Redis | null = null;
  private listeners = new Map<string, Set<Listener>>();
  /** Subscribe/unsubscribe calls per channel run in order, so a quick leave+join never ends unsubscribed. */
  private pending = new Map<string, Promise<unknown>>();

  private connection(): Redis {
    if (!this.subscriber) {
      this.subscriber = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null, enableReadyCheck: true });
      this.subscriber.on("error", () => {
        /* ioredis reconnects (and resubscribes) by itself; streams keep their last value meanwhile */
      });
      this.subscriber.on("message", (channel: string, message: string) => {
        for (const l of this.listeners.get(channel) ?? []) l(message);
      });
    }
    return this.subscriber;
  }

  private serial(channel: string, op: () => Promise<unknown>): Promise<unknown> {
    const next = (this.pending.get(channel) ?? Promise.resolve()).catch(() => undefined).then(op);
    this.pending.set(channel, next);
    void next.finally(() => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    });
    return next;
  }

  /** Starts listening; resolves once Redis confirmed the subscription. Returns the unsubscribe. */
  async subscribe(channel: string, listener: Listener, onLastLeave?: () => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    if (first) await this.serial(channel, () => this.connection().subscribe(channel));
    else await this.pending.get(channel)?.catch(() => undefined);
    const own = set;
    return async () => {
      own.delete(listener);
      if (own.size > 0 || this.listeners.get(channel) !== own) return;
      this.listeners.delete(channel);
      onLastLeave?.();
      await this.serial(channel, () =>
        this.listeners.has(channel) ? Promise.resolve() : this.connection().unsubscribe(channel),
      );
    };
  }

  /** How many channels this process listens to (tests, /metrics). */
  channelCount(prefix = ""): number {
    return [...this.listeners.keys()].filter((c) => c.startsWith(prefix)).length;
  }
}

const redisFanout = singleton("redisFanout", () => new RedisFanout());

/**
 * Typed live streams keyed by id (a pipeline, a workspace) over the process-wide fan-out: one
 * Redis subscription and one parse per message per key, then every listener of that key.
 * `parse` returns null to drop a message; `onIdle` runs when the last listener of a key leaves.
 */
export class ChannelHub<T> {
  private entries = new Map<string, { listeners: Set<(value: T) => void>; ready: Promise<() => Promise<void>> }>();

  constructor(
    private readonly channelOf: (key: string) => string,
    private readonly parse: (key: string, message: string) => T | null,
    private readonly onIdle?: (key: string) => void,
  ) {}

  async subscribe(key: string, listener: (value: T) => void): Promise<() => Promise<void>> {
    let entry = this.entries.get(key);
    if (!entry) {
      const listeners = new Set<(value: T) => void>();
      const ready = redisFanout().subscribe(this.channelOf(key), (message) => {
        const value = this.parse(key, message);
        if (value !== null) for (const l of listeners) l(value);
      });
      const created = { listeners, ready };
      entry = created;
      this.entries.set(key, created);
      ready.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    entry.listeners.add(listener);
    const own = entry;
    await own.ready;
    return async () => {
      own.listeners.delete(listener);
      if (own.listeners.size > 0 || this.entries.get(key) !== own) return;
      this.entries.delete(key);
      this.onIdle?.(key);
      await (await own.ready)();
    };
  }

  /** How many keys have at least one listener in this process. */
  size(): number {
    return this.entries.size;
  }
}
