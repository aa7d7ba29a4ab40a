import { describe, expect, it } from "vitest";
import { EventQueue, type KeyValueStorage } from "./event-queue";
import type { SdkEvent } from "./types";

const event = (i: number, props: SdkEvent["props"] = {}): SdkEvent => ({
  id: `e${i}`,
  type: "click",
  anonymousId: "a",
  timestamp: "2026-12-03T10:00:00.000Z",
  props,
  context: {},
});

class MapStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

describe("EventQueue", () => {
  it("drops the oldest events beyond its capacity and counts them", () => {
    const queue = new EventQueue(3);
    for (let i = 0; i < 5; i++) queue.push(event(i));
    expect(queue.dropped).toBe(2);
    expect(queue.peek(0, 10, 1e6).map((e) => e.id)).toEqual(["e2", "e3", "e4"]);
  });

  it("cuts batches by count and by bytes, always at least one event", () => {
    const queue = new EventQueue(100);
    for (let i = 0; i < 10; i++) queue.push(event(i, { pad: "x".repeat(100) }));
    expect(queue.peek(0, 4, 1e6)).toHaveLength(4);
    const one = JSON.stringify(event(0, { pad: "x".repeat(100) })).length + 1;
    expect(queue.peek(0, 100, one * 3 + 2)).toHaveLength(3);
    expect(queue.peek(0, 100, 10)).toHaveLength(1);
    expect(queue.peek(8, 100, 1e6).map((e) => e.id)).toEqual(["e8", "e9"]);
    expect(queue.bytes).toBe(one * 10);
    queue.remove(2, 3);
    expect(queue.peek(0, 100, 1e6).map((e) => e.id)).toEqual(["e0", "e1", "e5", "e6", "e7", "e8", "e9"]);
    expect(queue.bytes).toBe(one * 7);
  });

  it("survives a reload through its storage until the events are removed", () => {
    const storage = new MapStorage();
    const first = new EventQueue(10, storage, "q");
    first.push(event(1));
    first.push(event(2));
    const reloaded = new EventQueue(10, storage, "q");
    expect(reloaded.peek(0, 10, 1e6).map((e) => e.id)).toEqual(["e1", "e2"]);
    reloaded.clear();
    expect(storage.items.has("q")).toBe(false);
    expect(new EventQueue(10, storage, "q").size).toBe(0);
  });

  it("ignores unreadable stored data", () => {
    const storage = new MapStorage();
    storage.setItem("q", "{not json");
    expect(new EventQueue(10, storage, "q").size).toBe(0);
  });
});
