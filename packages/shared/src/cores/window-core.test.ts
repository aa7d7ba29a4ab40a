import { describe, expect, it } from "vitest";
import type { EventRecord } from "../events/json-value";
import { WindowConfig } from "../nodes/transforms/window";
import { WindowCore, type WindowState } from "./window-core";

/** Processing time of the batches: after every event time used here (cores refuse events over a day ahead). */
const NOW = Date.parse("2024-05-02T00:00:00Z");

const at = (hms: string) => `2024-05-01T${hms}Z`;
const ms = (hms: string) => Date.parse(at(hms));
const click = (id: string, hms: string, user = "u1"): EventRecord => ({
  id,
  type: "click",
  userId: user,
  timestamp: at(hms),
});
const ctx = { now: NOW };

const countsPerMinute = WindowConfig.parse({
  kind: "tumbling",
  size: "1m",
  watermarkDelay: "10s",
  allowedLateness: "30s",
  aggregations: [{ name: "events", function: "count" }],
});

describe("WindowCore event time", () => {
  it("counts out-of-order events that arrive within the watermark delay in their own window", () => {
    const core = new WindowCore(countsPerMinute);
    const first = core.process([click("a", "10:00:55"), click("b", "10:01:05"), click("c", "10:00:58")], ctx);
    expect(first.outputs.out).toEqual([]);
    expect(first.watermark).toBe(ms("10:00:55"));
    const second = core.process([click("d", "10:01:20")], ctx);
    expect(second.outputs.out).toEqual([
      expect.objectContaining({ windowStart: at("10:00:00.000"), events: 2, revision: 1, isLateUpdate: false }),
    ]);
  });

  it("accepts late events within allowed lateness as updates and routes later ones to the late port", () => {
    const core = new WindowCore(countsPerMinute);
    core.process([click("a", "10:00:30"), click("b", "10:01:15")], ctx); // watermark 10:01:05: fires [10:00,10:01)
    const update = core.process([click("late", "10:00:40")], ctx);
    expect(update.outputs.out).toEqual([expect.objectContaining({ events: 2, revision: 2, isLateUpdate: true })]);
    core.process([click("c", "10:01:45")], ctx); // watermark 10:01:35 >= 10:01 + 30s: window dropped
    const tooLate = core.process([click("very-late", "10:00:50")], ctx);
    expect(tooLate.outputs.out).toEqual([]);
    expect(tooLate.outputs.late).toEqual([click("very-late", "10:00:50")]);
  });

  it("sends too-late events to the error port when configured", () => {
    const core = new WindowCore({ ...countsPerMinute, lateEvents: "error-port", allowedLateness: "0s" });
    core.process([click("a", "10:00:30"), click("b", "10:02:00")], ctx);
    const result = core.process([click("late", "10:00:40")], ctx);
    expect(result.outputs.late).toEqual([]);
    expect(result.errors).toEqual([
      { event: click("late", "10:00:40"), error: expect.objectContaining({ code: "event.too-late" }) },
    ]);
  });

  it("fires only when the minimum watermark across partitions passes the window end", () => {
    const partitions = [new WindowCore(countsPerMinute), new WindowCore(countsPerMinute)];
    const watermarks: (number | null)[] = [null, null];
    // The runner's loop: process a partition's batch, then feed back the minimum partition watermark.
    const step = (partition: 0 | 1, batch: EventRecord[]) => {
      const combined = watermarks.some((w) => w === null) ? null : Math.min(...(watermarks as number[]));
      const result = partitions[partition]!.process(batch, { now: NOW, watermark: combined });
      watermarks[partition] = result.watermark;
      return result;
    };
    step(0, [click("a", "10:00:10", "u1")]);
    step(1, [click("b", "10:00:20", "u2")]);
    // Partition 0 races ahead; partition 1 still could send events for [10:00, 10:01).
    expect(step(0, [click("c", "10:03:00", "u1")]).outputs.out).toEqual([]);
    expect(step(0, []).outputs.out).toEqual([]);
    // Partition 1 catches up: the combined watermark passes 10:01 on the next round for both.
    step(1, [click("d", "10:02:00", "u2")]);
    const p0 = step(0, []);
    const p1 = step(1, []);
    expect(p0.outputs.out).toEqual([expect.objectContaining({ windowStart: at("10:00:00.000"), events: 1 })]);
    expect(p1.outputs.out).toEqual([expect.objectContaining({ windowStart: at("10:00:00.000"), events: 1 })]);
  });

  it("never moves the watermark backwards when a lower combined watermark arrives", () => {
    const core = new WindowCore(countsPerMinute);
    core.process([click("a", "10:00:30")], { now: NOW, watermark: ms("10:01:00") });
    const result = core.process([click("b", "10:00:40")], { now: NOW, watermark: ms("10:00:00") });
    expect(core.snapshot().clock.watermark).toBe(ms("10:01:00"));
    expect(result.outputs.out).toEqual([expect.objectContaining({ events: 2, revision: 2, isLateUpdate: true })]);
  });

  it("gives identical results after a snapshot is serialised, restored and continued", () => {
    const config = WindowConfig.parse({
      kind: "session",
      gap: "30s",
      watermarkDelay: "5s",
      allowedLateness: "1m",
      groupBy: [{ name: "user", expression: "event.userId" }],
      aggregations: [
        { name: "events", function: "count" },
        { name: "pages", function: "distinct-count", field: "page" },
      ],
    });
    const batches: EventRecord[][] = [];
    for (let b = 0; b < 12; b++) {
      batches.push(
        Array.from({ length: 7 }, (_, i) => {
          // Bursts a minute apart; from the third on, one event belongs to an already emitted session.
          const seconds = i === 3 && b >= 2 ? b * 60 - 110 : b * 60 + ((i * 13) % 25);
          return {
            id: `${b}-${i}`,
            userId: `u${i % 3}`,
            page: `/p${i % 4}`,
            timestamp: Date.parse(at("10:00:00")) + seconds * 1000,
          };
        }),
      );
    }
    const endOfStream = { now: NOW, watermark: Number.MAX_SAFE_INTEGER };
    const straight = new WindowCore(config);
    const expected = [...batches.map((batch) => straight.process(batch, ctx)), straight.process([], endOfStream)];

    const first = new WindowCore(config);
    const before = batches.slice(0, 5).map((batch) => first.process(batch, ctx));
    const checkpoint = JSON.parse(JSON.stringify(first.snapshot())) as WindowState;
    const restored = new WindowCore(config, checkpoint);
    const after = [...batches.slice(5).map((batch) => restored.process(batch, ctx)), restored.process([], endOfStream)];

    expect([...before, ...after]).toEqual(expected);
    expect(restored.snapshot()).toEqual(straight.snapshot());
    const results = expected.flatMap((r) => r.outputs.out ?? []);
    expect(results.length).toBeGreaterThan(10);
    expect(results.some((r) => r.isLateUpdate)).toBe(true);
  });

  it("exposes the group key the runner partitions its input by", () => {
    const core = new WindowCore(
      WindowConfig.parse({
        groupBy: [{ name: "t", expression: "event.type" }],
        aggregations: [{ name: "n", function: "count" }],
      }),
    );
    expect(core.groupKeyOf({ type: "click" })).toBe('["click"]');
  });

  it("reports events without a usable event time as errors", () => {
    const core = new WindowCore(countsPerMinute);
    const result = core.process([{ id: "x", timestamp: "not a time" }], ctx);
    expect(result.errors[0]?.error.code).toBe("event-time.missing");
  });
});
