import { describe, expect, it } from "vitest";
import { compilePlan, nodeRegistry } from "@sluice/shared";
import { graph } from "../../test/graphs";
import {
  emptySourceWatermarks,
  encodeWatermark,
  newestEventTime,
  observeWatermark,
  pruneSourceWatermarks,
  readSourceWatermarks,
  sourceWatermark,
  WATERMARK_HEADER,
  watermarkDelayOf,
  watermarkMessages,
  watermarkTopics,
} from "./source-watermarks";

const T0 = Date.parse("2026-01-01T10:00:00Z");
const IDLE = 30_000;

/** A table fed with watermark records: [family, partition, partitions expected (0..n-1), event time, written at]. */
function table(...marks: [string, number, number, number, number][]) {
  const t = emptySourceWatermarks();
  for (const [family, partition, partitions, eventTime, at] of marks)
    expect(observeWatermark(t, encodeWatermark(family, partition, upTo(partitions), eventTime, at))).toBe(true);
  return t;
}
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("source watermarks", () => {
  it("is undefined when no source partition ever reported (the core's own watermark applies)", () => {
    expect(sourceWatermark(emptySourceWatermarks(), 5000, IDLE)).toBeUndefined();
  });

  it("is the minimum over the source partitions minus the delay, not the fastest one", () => {
    const t = table(["a", 0, 3, T0 + 60_000, T0], ["a", 1, 3, T0 + 10_000, T0], ["a", 2, 3, T0 + 90_000, T0]);
    expect(sourceWatermark(t, 5000, IDLE)).toBe(T0 + 10_000 - 5000);
  });

  it("keeps each source partition's highest event time (a writer's re-run re-sends an older one)", () => {
    const t = table(["a", 0, 1, T0 + 50_000, T0], ["a", 0, 1, T0 + 20_000, T0 + 1000]);
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 50_000);
    expect(t.streams["a.0"]).toEqual([T0 + 50_000, T0 + 1000]);
  });

  it("holds (null) until every partition of a family reported, then gives up waiting after the idle time", () => {
    const t = table(["a", 0, 3, T0 + 60_000, T0], ["a", 1, 3, T0 + 70_000, T0 + 1000]);
    expect(sourceWatermark(t, 0, IDLE)).toBeNull();
    observeWatermark(t, encodeWatermark("a", 2, upTo(3), T0 + 40_000, T0 + 2000));
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 40_000);
    // A family whose partition 2 never writes (e.g. an empty Kafka partition): held while the newest
    // watermark is within the idle time of the family's first one, then partition 2 is ignored.
    const u = table(["b", 0, 3, T0 + 60_000, T0], ["b", 1, 3, T0 + 70_000, T0 + IDLE]);
    expect(sourceWatermark(u, 0, IDLE)).toBeNull();
    observeWatermark(u, encodeWatermark("b", 0, upTo(3), T0 + 65_000, T0 + IDLE + 1));
    observeWatermark(u, encodeWatermark("b", 1, upTo(3), T0 + 80_000, T0 + IDLE + 1));
    expect(sourceWatermark(u, 0, IDLE)).toBe(T0 + 65_000);
  });

  it("waits only for the partitions the writer expects (those with records to read when it started)", () => {
    const t = table(["a", 4, 0, T0 + 60_000, T0]);
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 60_000);
    const u = emptySourceWatermarks();
    observeWatermark(u, encodeWatermark("a", 0, [0, 2], T0 + 60_000, T0));
    expect(sourceWatermark(u, 0, IDLE)).toBeNull();
    // Another process's writer expected partition 3 as well: all of them are waited for.
    observeWatermark(u, encodeWatermark("a", 2, [3], T0 + 50_000, T0));
    expect(u.families["a"]!.expect).toEqual([0, 2, 3]);
    expect(sourceWatermark(u, 0, IDLE)).toBeNull();
    observeWatermark(u, encodeWatermark("a", 3, [3], T0 + 55_000, T0));
    expect(sourceWatermark(u, 0, IDLE)).toBe(T0 + 50_000);
  });

  it("ignores a source partition that wrote nothing for the idle time while others went on (writer time)", () => {
    const t = table(["a", 0, 2, T0 + 10_000, T0], ["a", 1, 2, T0 + 50_000, T0]);
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 10_000);
    // Partition 1 keeps writing; partition 0 wrote its last watermark at T0.
    observeWatermark(t, encodeWatermark("a", 1, upTo(2), T0 + 60_000, T0 + IDLE));
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 10_000);
    observeWatermark(t, encodeWatermark("a", 1, upTo(2), T0 + 70_000, T0 + IDLE + 1));
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 70_000);
    // It writes again: it holds the minimum again.
    observeWatermark(t, encodeWatermark("a", 0, upTo(2), T0 + 20_000, T0 + IDLE + 2));
    expect(sourceWatermark(t, 0, IDLE)).toBe(T0 + 20_000);
  });

  it("lets silence count up to the reader's clock once the reader has read everything (an idle tick)", () => {
    const t = table(["a", 0, 2, T0 + 10_000, T0], ["a", 1, 2, T0 + 50_000, T0 + 1000]);
    expect(sourceWatermark(t, 0, IDLE, T0 + IDLE)).toBe(T0 + 10_000);
    // Partition 0 silent for longer than the idle time, partition 1 not yet.
    expect(sourceWatermark(t, 0, IDLE, T0 + IDLE + 1)).toBe(T0 + 50_000);
    // Both silent: what was seen no longer waits for anything.
    expect(sourceWatermark(t, 1000, IDLE, T0 + IDLE + 2000)).toBe(T0 + 49_000);
    // An expected partition that never reported stops holding too.
    const u = emptySourceWatermarks();
    observeWatermark(u, encodeWatermark("a", 0, [0, 1], T0 + 10_000, T0));
    expect(sourceWatermark(u, 0, IDLE, T0 + 5000)).toBeNull();
    expect(sourceWatermark(u, 0, IDLE, T0 + IDLE + 1)).toBe(T0 + 10_000);
  });

  it("does not call writers idle because the reader was away: time is the writers' clock", () => {
    // Both wrote at T0; the reader reads them an hour later: nothing is idle, the minimum holds.
    const t = table(["a", 0, 2, T0 + 10_000, T0], ["a", 1, 2, T0 + 50_000, T0]);
    expect(sourceWatermark(readSourceWatermarks(JSON.parse(JSON.stringify(t))), 0, IDLE)).toBe(T0 + 10_000);
  });

  it("takes the minimum across families (fan-in of two writers)", () => {
    const t = table(["a", 0, 1, T0 + 30_000, T0], ["b", 0, 1, T0 + 20_000, T0]);
    expect(sourceWatermark(t, 1000, IDLE)).toBe(T0 + 19_000);
  });

  it("refuses malformed headers", () => {
    const t = emptySourceWatermarks();
    for (const bad of ["", "a", "a 0 1 x 1", "a -1 1 5 1", "a 0 1 5", "a 0 1 5 NaN", "a 0 x 5 1", "a 0 1,,2 5 1"])
      expect(observeWatermark(t, bad)).toBe(false);
    expect(t).toEqual(emptySourceWatermarks());
  });

  it("forgets source partitions silent for a day of writer time", () => {
    const t = table(["old", 0, 1, T0, T0], ["a", 0, 1, T0 + 5000, T0 + 25 * 3600_000]);
    pruneSourceWatermarks(t);
    expect(Object.keys(t.streams)).toEqual(["a.0"]);
    expect(Object.keys(t.families)).toEqual(["a"]);
  });

  it("finds the topics a window or sessionize reads, with their event-time field and delay", () => {
    const g = graph(
      [
        { id: "src", type: "kafka-source", config: { topic: "orders" } },
        { id: "f", type: "filter", config: { condition: "true" } },
        {
          id: "win",
          type: "window",
          config: { ...nodeRegistry.window.example, eventTimeField: "ts", watermarkDelay: "2s" },
        },
        { id: "out", type: "kafka-sink", config: { topic: "counts" } },
      ],
      [
        ["src", "f"],
        ["f", "win"],
        ["win", "out"],
      ],
    );
    const compiled = compilePlan({ workspaceId: "w", workspaceSlug: "s", pipelineId: "p", graph: g });
    if (!compiled.ok) throw new Error(compiled.reason);
    const topics = watermarkTopics(compiled.plan);
    expect([...topics.entries()]).toEqual([["sluice.w.p.f.out", "ts"]]);
    const win = compiled.plan.stages.find((s) => s.id === "win")!.nodes[0]!;
    expect(watermarkDelayOf(win)).toBe(2000);
  });
});

describe("watermark stamping (the writer's side)", () => {
  it("keeps the newest event time written, ignoring events without one and ones too far ahead", () => {
    const events = [
      { at: new Date(T0 + 5000).toISOString() },
      { other: 1 },
      { at: new Date(T0 + 2000).toISOString() },
      { at: new Date(T0 + 3 * 86_400_000).toISOString() },
    ];
    expect(newestEventTime(undefined, events, "at", T0)).toBe(T0 + 5000);
    expect(newestEventTime(T0 + 9000, events, "at", T0)).toBe(T0 + 9000);
    expect(newestEventTime(undefined, [{ other: 1 }], "at", T0)).toBeUndefined();
  });

  it("ends the batch with one watermark record in every partition of each window input written to", () => {
    const targets = new Map([
      ["win.in", { eventTimeField: "at", partitions: 3 }],
      ["other.in", { eventTimeField: "at", partitions: 1 }],
    ]);
    const messages = watermarkMessages(
      new Map([["win.in", T0 + 5000]]),
      targets,
      { family: "fam", partition: 2, expected: [0, 1, 2] },
      T0 + 100,
    );
    const header = encodeWatermark("fam", 2, [0, 1, 2], T0 + 5000, T0 + 100);
    expect(messages).toEqual(
      [0, 1, 2].map((partition) => ({
        topic: "win.in",
        partition,
        key: null,
        value: null,
        headers: { [WATERMARK_HEADER]: header },
      })),
    );
    expect(watermarkMessages(new Map(), targets, { family: "fam", partition: 2, expected: [] }, T0)).toEqual([]);
  });
});
