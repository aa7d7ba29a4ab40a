// A window count survives a crash: the engine is stopped without draining mid-stream (nothing more
// committed, in-flight work dropped), a new engine takes over, and the window's count is exact: the
// state checkpoint and its offset marker make replayed records count once.
import { partitionForKey } from "@sluice/kafka";
import { keyPatterns, watermarkKey } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { deployWindowCount, postIngest, testTopics, useSinkTable, useWorld } from "./engine-world";
import { WINDOW_COUNT_COLUMNS } from "./graphs";
import { eventually } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

describe("engine: windows across partitions and crashes", () => {
  const sink = useSinkTable("win", WINDOW_COUNT_COLUMNS);
  const setup = useWorld();

  it("counts every event exactly once after a crash mid-stream", async () => {
    const { world } = setup;
    const settings = {
      topics: testTopics(2),
      feeder: {
        ...DEFAULT_ENGINE_SETTINGS.feeder,
        maxBatchRecords: 7,
        maxBatchBytes: 2 ** 20,
        lingerMs: 5,
        maxInFlightTotal: 8,
      },
    };
    const first = await setup.start(settings);
    const ingest = await deployWindowCount(world, "window-crash", { table: sink.table, allowedLateness: "1m" });
    const { pipeline } = ingest;

    const base = Date.parse("2026-01-01T00:00:00Z");
    let n = 0;
    const batch = (count: number, type: string, at = (i: number) => base + (i % 50) * 1000) =>
      Array.from({ length: count }, () => {
        const i = n++;
        return { id: `w-${i}`, type, userId: `u-${i % 9}`, timestamp: new Date(at(i)).toISOString() };
      });

    // 1. Some clicks processed and checkpointed by the first engine.
    for (let r = 0; r < 4; r++) expect((await postIngest(first, ingest, batch(25, "click"))).status).toBe(202);
    await eventually(async () =>
      expect((await world.redis.keys(`${keyPatterns.checkpoints(pipeline.id, "win")}:offset`)).length).toBeGreaterThan(
        0,
      ),
    );
    // 2. More clicks, and the engine dies while it works through them.
    for (let r = 0; r < 4; r++) expect((await postIngest(first, ingest, batch(25, "click"))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 30));
    await setup.stop(first, "abort");

    // 3. A new engine resumes from the committed offsets and the checkpoint.
    const second = await setup.start(settings);
    await eventually(() => expect(second.engine.reconciler.running()).toHaveLength(1));
    // An event 5 minutes later moves the watermark past the first window: its result is emitted.
    expect(
      (
        await postIngest(
          second,
          ingest,
          batch(1, "click", () => base + 5 * 60_000),
        )
      ).status,
    ).toBe(202);

    await eventually(
      async () => {
        const rows = await sink.db.query<{ window_id: string; events: string }>(
          `SELECT window_id, events FROM ${sink.table} WHERE event_type = 'click' ORDER BY window_id`,
        );
        expect(rows.rows[0]?.events).toBe("200");
      },
      { timeoutMs: 40_000 },
    );
  });
  it("fires a window only when every active partition's watermark passed it, idle partitions by tick", async () => {
    const { world } = setup;
    const running = await setup.start({ topics: testTopics(2) });
    // Two event types whose group keys land in different partitions.
    const types = ["page_view", "purchase", "signup", "add_to_cart", "view", "scroll", "tap"];
    const partitionOf = (type: string) => partitionForKey(JSON.stringify([type]), 2);
    const a = types[0]!;
    const b = types.find((t) => partitionOf(t) !== partitionOf(a))!;
    const ingest = await deployWindowCount(world, "window-partitions", { table: sink.table, allowedLateness: "1m" });
    const { pipeline, deploymentId } = ingest;
    // The first test's engine also runs this workspace and may have set the status: wait for ours.
    await eventually(() =>
      expect(running.engine.reconciler.running().some((r) => r.spec.deploymentId === deploymentId)).toBe(true),
    );
    const base = Date.parse("2026-02-01T00:00:00Z");
    const post = (type: string, count: number, at: number) =>
      postIngest(
        running,
        ingest,
        Array.from({ length: count }, (_, i) => ({
          id: `${type}-${at}-${i}`,
          type,
          userId: `u-${i}`,
          timestamp: new Date(at + i).toISOString(),
        })),
      );
    const counts = async () => {
      const rows = await sink.db.query<{ event_type: string; events: string }>(
        `SELECT event_type, events FROM ${sink.table} WHERE event_type IN ($1, $2)`,
        [a, b],
      );
      return Object.fromEntries(rows.rows.map((r) => [r.event_type, Number(r.events)]));
    };
    expect((await post(a, 10, base)).status).toBe(202);
    expect((await post(b, 7, base)).status).toBe(202);
    await eventually(async () => expect(await world.redis.hlen(watermarkKey(pipeline.id, "win"))).toBe(2));
    // a's partition moves far ahead; b's still holds the minimum back: nothing fires.
    expect((await post(a, 1, base + 5 * 60_000)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await counts()).toEqual({});
    // b moves too: b's window fires in its batch, a's (idle partition) on the next tick.
    expect((await post(b, 1, base + 5 * 60_000)).status).toBe(202);
    await eventually(async () => expect(await counts()).toEqual({ [a]: 10, [b]: 7 }), { timeoutMs: 15_000 });
  });
});
