import { describe, expect, it } from "vitest";
import type { EventRecord } from "../events/json-value";
import { DedupConfig } from "../nodes/transforms/dedup";
import { DedupCore, type DedupState } from "./dedup-core";

/** Processing time of the batches: after every event time used here (cores refuse events over a day ahead). */
const NOW = Date.parse("2024-05-02T00:00:00Z");

const base = Date.parse("2024-05-01T10:00:00Z");
const config = DedupConfig.parse({ window: "5m" });
const ctx = { now: NOW };

/** A stream with retries (same id, same time) spread over time, some beyond the window. */
function stream(): EventRecord[] {
  return Array.from({ length: 300 }, (_, i) => {
    const original = i % 5 === 4 ? i - 1 - (i % 17) : i; // every 5th event repeats an earlier one
    return { id: `e${original}`, timestamp: base + original * 7_000 };
  });
}

function split(events: EventRecord[], sizes: number[]): EventRecord[][] {
  const batches: EventRecord[][] = [];
  let offset = 0;
  for (let i = 0; offset < events.length; i++) {
    const size = sizes[i % sizes.length]!;
    batches.push(events.slice(offset, offset + size));
    offset += size;
  }
  return batches;
}

function run(core: DedupCore, batches: EventRecord[][]): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const batch of batches) {
    const result = core.process(batch, ctx);
    kept.push(...(result.outputs.out ?? []).map((e) => String(e.id)));
    dropped.push(...(result.outputs.duplicates ?? []).map((e) => String(e.id)));
  }
  return { kept, dropped };
}

describe("DedupCore", () => {
  it("drops retries across batches and makes the same decisions however the stream is batched", () => {
    const one = run(new DedupCore(config), [stream()]);
    const many = run(new DedupCore(config), split(stream(), [1, 7, 3, 50]));
    expect(many).toEqual(one);
    expect(one.dropped.length).toBeGreaterThan(20);
    expect(new Set(one.kept).size).toBe(one.kept.length);
  });

  it("forgets keys once event time moves past the window, keeping state bounded", () => {
    const core = new DedupCore(config);
    core.process([{ id: "a", timestamp: base }], ctx);
    core.process([{ id: "b", timestamp: base + 10 * 60_000 }], ctx);
    expect(Object.keys(core.snapshot().seen)).toEqual(["b"]);
    expect(core.process([{ id: "a", timestamp: base }], ctx).outputs.out).toHaveLength(1);
  });

  it("continues identically from a serialised snapshot", () => {
    const batches = split(stream(), [11]);
    const straight = run(new DedupCore(config), batches);
    const first = new DedupCore(config);
    const before = run(first, batches.slice(0, 9));
    const restored = new DedupCore(config, JSON.parse(JSON.stringify(first.snapshot())) as DedupState);
    const after = run(restored, batches.slice(9));
    expect({ kept: [...before.kept, ...after.kept], dropped: [...before.dropped, ...after.dropped] }).toEqual(straight);
  });

  it("rejects state written by an unknown version", () => {
    expect(() => new DedupCore(config, { version: 2 } as unknown as DedupState)).toThrow(/version/);
  });
});
