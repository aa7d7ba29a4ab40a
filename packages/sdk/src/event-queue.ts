import type { SdkEvent } from "./types";

/** The part of the Web Storage API the queue needs (localStorage in browsers). */
export type KeyValueStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
};

/**
 * Events waiting to be sent, oldest first, at most `capacity` (the oldest are dropped beyond it).
 * With a storage the queue is mirrored there, so a reload sends what the last page could not; events
 * in flight stay stored until acknowledged, so a reload may send them twice and dedup (by event id)
 * removes the copy.
 */
export class EventQueue {
  private events: SdkEvent[] = [];
  /** JSON length of each queued event, kept beside it so size checks cost nothing per push. */
  private sizes: number[] = [];
  private total = 0;
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly storage?: KeyValueStorage,
    private readonly storageKey = "",
  ) {
    const saved = storage && read(storage, storageKey);
    if (saved) for (const event of saved.slice(-capacity)) this.append(event);
  }

  get size(): number {
    return this.events.length;
  }

  /** Queued JSON bytes (each event plus a separator). */
  get bytes(): number {
    return this.total;
  }

  push(event: SdkEvent): void {
    this.append(event);
    if (this.events.length > this.capacity) {
      this.dropped += this.events.length - this.capacity;
      this.remove(0, this.events.length - this.capacity);
    } else this.save();
  }

  /**
   * The queued events from `start` whose JSON fits in `maxBytes` (at least one), at most `maxEvents`;
   * they stay queued until removed.
   */
  peek(start: number, maxEvents: number, maxBytes: number): SdkEvent[] {
    let end = start;
    let bytes = 2;
    while (
      end < this.events.length &&
      (end === start || (end - start < maxEvents && bytes + this.sizes[end]! <= maxBytes))
    ) {
      bytes += this.sizes[end]!;
      end++;
    }
    return this.events.slice(start, end);
  }

  /** Removes `count` events from `start` (a batch the endpoint answered for, or one handed to a beacon). */
  remove(start: number, count: number): void {
    this.events.splice(start, count);
    for (const size of this.sizes.splice(start, count)) this.total -= size;
    this.save();
  }

  clear(): void {
    this.remove(0, this.events.length);
  }

  private append(event: SdkEvent): void {
    const size = JSON.stringify(event).length + 1;
    this.events.push(event);
    this.sizes.push(size);
    this.total += size;
  }

  private save(): void {
    if (!this.storage) return;
    try {
      if (this.events.length === 0) this.storage.removeItem(this.storageKey);
      else this.storage.setItem(this.storageKey, JSON.stringify(this.events));
    } catch {
      // Storage full or blocked (private mode): the in-memory queue still works.
    }
  }
}

function read(storage: KeyValueStorage, key: string): SdkEvent[] | undefined {
  try {
    const value: unknown = JSON.parse(storage.getItem(key) ?? "null");
    return Array.isArray(value) ? (value as SdkEvent[]) : undefined;
  } catch {
    return undefined;
  }
}
