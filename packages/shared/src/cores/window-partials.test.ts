import { describe, expect, it } from "vitest";
import type { EventRecord } from "../events/json-value";
import type { WindowPartialsV1 } from "../contract/kafka-headers";
import { WindowConfig } from "../nodes/transforms/window";
import { WindowCore } from "./window-core";
import { readPartials, WindowCombiner, windowCombinable } from "./window-partials";
import { eventCount } from "./window-partial-record";

const NOW = Date.parse("2024-05-02T00:00:00Z");
const BASE = Date.parse("2024-05-01T10:00:00Z");
const ctx = { now: NOW };

/** A deterministic stream: types a–c, amounts with a missing one now and then, time mostly in order. */
function events(count: number, startMs: number, stepMs: number): EventRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    type: ["a", "b", "c"][i % 3]!,
    user: `u${i % 7}`,
    ...(i % 11 === 0 ? {} : { amount: (i * 37) % 101 }),
    ts: new Date(startMs + i * stepMs - (i % 5) * 700).toISOString(),
  }));
}

const config = (overrides: Record<string, unknown> = {}) =>
  WindowConfig.parse({
    kind: "tumbling",
    size: "10s",
    eventTimeField: "ts",
    watermarkDelay: "1s",
    allowedLateness: "5s",
    groupBy: [{ name: "type", expression: "event.type" }],
    aggregations: [
      { name: "events", function: "count" },
      { name: "withAmount", function: "count", field: "amount" },
      { name: "total", function: "sum", field: "amount" },
      { name: "least", function: "min", field: "amount" },
      { name: "most", function: "max", field: "amount" },
      { name: "mean", function: "avg", field: "amount" },
      { name: "users", function: "distinct-count", field: "user" },
    ],
    ...overrides,
  });

/** What a window reads from a combiner's batch: its partials record through JSON, and the plain events. */
function throughCombiner(cfg: WindowConfig, batch: EventRecord[], firstN: number, after?: number) {
  const combiner = new WindowCombiner(cfg);
  const value: WindowPartialsV1 = { p: [] };
  batch.forEach((event, i) => {
    if (combiner.add(event, firstN + i * 1024, NOW) === undefined) (value.e ??= []).push([firstN + i * 1024, event]);
  });
  value.p = combiner.take().map((t) => t.partial);
  const read = readPartials(JSON.parse(JSON.stringify(value)) as WindowPartialsV1, cfg, after);
  return [...read.partials, ...read.events];
}

describe("window combiner", () => {
  for (const [name, overrides] of [
    ["tumbling", {}],
    ["hopping (size a multiple of the slide)", { kind: "hopping", size: "10s", slide: "5s" }],
  ] as const) {
    it(`gives the same results, revisions and late counts as the events one by one (${name})`, () => {
      const cfg = config(overrides);
      const direct = new WindowCore(cfg);
      const combined = new WindowCore(cfg);
      // In order, then a batch of late events (some within lateness, some beyond), then more.
      const batches = [
        events(40, BASE, 400),
        events(40, BASE + 16_000, 400),
        [...events(6, BASE + 2_000, 300), { type: "a", ts: "not a time" }, { type: "b" }],
        events(30, BASE + 40_000, 500),
        events(9, BASE + 21_000, 200),
      ];
      let n = 0;
      for (const batch of batches) {
        const want = direct.process(batch, ctx);
        const got = combined.process(throughCombiner(cfg, batch, n), ctx);
        n += batch.length * 1024;
        expect(got.outputs.out).toEqual(want.outputs.out);
        expect(eventCount(got.outputs.late ?? [])).toBe(want.outputs.late?.length ?? 0);
        expect(got.errors.map((e) => e.error.code)).toEqual(want.errors.map((e) => e.error.code));
        expect(got.watermark).toBe(want.watermark);
      }
      expect(combined.snapshot()).toEqual(direct.snapshot());
    });
  }

  it("applies only the events above what the reader applied (a re-run cut into other batches)", () => {
    const cfg = config();
    const batch = events(60, BASE, 100);
    const direct = new WindowCore(cfg);
    const combined = new WindowCore(cfg);
    // The reader applied the events up to fence number 24 × 1024 from an earlier run.
    const after = 24 * 1024;
    direct.process(batch.slice(25), ctx);
    const records = throughCombiner(cfg, batch, 0, after);
    expect(eventCount(records)).toBe(35);
    combined.process(records, ctx);
    expect(combined.snapshot()).toEqual(direct.snapshot());
    expect(throughCombiner(cfg, batch, 0, 59 * 1024)).toEqual([]);
  });

  it("pre-aggregates a batch into one partial per group and window", () => {
    const combiner = new WindowCombiner(config());
    for (let i = 0; i < 90; i++)
      combiner.add({ type: ["a", "b", "c"][i % 3]!, ts: new Date(BASE + 1000 + i * 10).toISOString() }, i, NOW);
    const taken = combiner.take();
    expect(taken.map((t) => [t.groupKey, t.partial.w, t.partial.a[0]!.n])).toEqual([
      ['["a"]', BASE, 30],
      ['["b"]', BASE, 30],
      ['["c"]', BASE, 30],
    ]);
    expect(combiner.take()).toEqual([]);
  });

  it("leaves events without a usable event time or group to the window", () => {
    const combiner = new WindowCombiner(config({ groupBy: [{ name: "t", expression: "event.type.size()" }] }));
    expect(combiner.add({ type: "a" }, 0, NOW)).toBeUndefined();
    expect(combiner.add({ type: "a", ts: new Date(NOW + 2 * 86_400_000).toISOString() }, 1, NOW)).toBeUndefined();
    expect(combiner.add({ type: 5, ts: new Date(BASE).toISOString() }, 2, NOW)).toBeUndefined();
    expect(combiner.add({ type: "abc", ts: new Date(BASE).toISOString() }, 3, NOW)).toBe("[3]");
  });

  it("applies only where the window allows it", () => {
    expect(windowCombinable(config(), false)).toBe(true);
    expect(windowCombinable(config(), true)).toBe(false);
    expect(windowCombinable(config({ lateEvents: "error-port" }), false)).toBe(false);
    expect(windowCombinable(config({ kind: "session", gap: "5s" }), false)).toBe(false);
    expect(windowCombinable(config({ kind: "hopping", size: "10s", slide: "5s" }), false)).toBe(true);
    expect(windowCombinable(config({ kind: "hopping", size: "10s", slide: "3s" }), false)).toBe(false);
  });
});
