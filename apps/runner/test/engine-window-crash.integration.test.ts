// A window count survives a crash: the engine is stopped without draining mid-stream (nothing more
// committed, in-flight work dropped), a new engine takes over, and the window's count is exact: the
// state checkpoint and its offset marker make replayed records count once.
import { partitionForKey } from "@sluice/kafka";
import { keyPatterns, watermarkKey } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import {
  createApiKey,
  createPipeline,
  createSecret,
  deploy,
  startEngine,
  useWindowSinkWorld,
  waitRunning,
} from "./engine-world";
import { windowCountGraph } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

describe("engine: windows across partitions and crashes", () => {
  const setup = useWindowSinkWorld("win");

  it("counts every event exactly once after a crash mid-stream", async () => {
    const { world, sinkDb, engines, table } = setup;
    const settings = {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      feeder: {
        ...DEFAULT_ENGINE_SETTINGS.feeder,
        maxBatchRecords: 7,
        maxBatchBytes: 2 ** 20,
        lingerMs: 5,
        maxInFlightTotal: 8,
      },
    };
    const first = await startEngine(world, settings);
    engines.push(first);
    const pipeline = await createPipeline(world, "window-crash");
    const key = await createApiKey(world);
    const pathKey = uniqueName("win").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      windowCountGraph({ table, pathKey, apiKeyId: key.id, connectionSecretId: secretId, allowedLateness: "1m" }),
    );
    await waitRunning(world, deploymentId);

    const base = Date.parse("2026-01-01T00:00:00Z");
    let n = 0;
    const batch = (count: number, type: string, at = (i: number) => base + (i % 50) * 1000) =>
      Array.from({ length: count }, () => {
        const i = n++;
        return { id: `w-${i}`, type, userId: `u-${i % 9}`, timestamp: new Date(at(i)).toISOString() };
      });
    const post = (url: string, events: unknown[]) =>
      fetch(`${url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(events),
        headers: { "x-api-key": key.token },
      });

    // 1. Some clicks processed and checkpointed by the first engine.
    for (let r = 0; r < 4; r++) expect((await post(first.http.url, batch(25, "click"))).status).toBe(202);
    await eventually(async () =>
      expect((await world.redis.keys(`${keyPatterns.checkpoints(pipeline.id, "win")}:offset`)).length).toBeGreaterThan(
        0,
      ),
    );
    // 2. More clicks, and the engine dies while it works through them.
    for (let r = 0; r < 4; r++) expect((await post(first.http.url, batch(25, "click"))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 30));
    await first.stop("abort");
    engines.splice(engines.indexOf(first), 1);

    // 3. A new engine resumes from the committed offsets and the checkpoint.
    const second = await startEngine(world, settings);
    engines.push(second);
    await eventually(() => expect(second.engine.reconciler.running()).toHaveLength(1));
    // An event 5 minutes later moves the watermark past the first window: its result is emitted.
    expect(
      (
        await post(
          second.http.url,
          batch(1, "click", () => base + 5 * 60_000),
        )
      ).status,
    ).toBe(202);

    await eventually(
      async () => {
        const rows = await sinkDb.query<{ window_id: string; events: string }>(
          `SELECT window_id, events FROM ${table} WHERE event_type = 'click' ORDER BY window_id`,
        );
        expect(rows.rows[0]?.events).toBe("200");
      },
      { timeoutMs: 40_000 },
    );
  });
  it("fires a window only when every active partition's watermark passed it, idle partitions by tick", async () => {
    const { world, sinkDb, engines, table } = setup;
    const settings = { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } };
    const running = await startEngine(world, settings);
    engines.push(running);
    // Two event types whose group keys land in different partitions.
    const types = ["page_view", "purchase", "signup", "add_to_cart", "view", "scroll", "tap"];
    const partitionOf = (type: string) => partitionForKey(JSON.stringify([type]), 2);
    const a = types[0]!;
    const b = types.find((t) => partitionOf(t) !== partitionOf(a))!;
    const pipeline = await createPipeline(world, "window-partitions");
    const key = await createApiKey(world);
    const pathKey = uniqueName("wp").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      windowCountGraph({ table, pathKey, apiKeyId: key.id, connectionSecretId: secretId, allowedLateness: "1m" }),
    );
    await waitRunning(world, deploymentId);
    // The first test's engine also runs this workspace and may have set the status: wait for ours.
    await eventually(() =>
      expect(running.engine.reconciler.running().some((r) => r.spec.deploymentId === deploymentId)).toBe(true),
    );
    const base = Date.parse("2026-02-01T00:00:00Z");
    const post = (type: string, count: number, at: number) =>
      fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(
          Array.from({ length: count }, (_, i) => ({
            id: `${type}-${at}-${i}`,
            type,
            userId: `u-${i}`,
            timestamp: new Date(at + i).toISOString(),
          })),
        ),
        headers: { "x-api-key": key.token },
      });
    const counts = async () => {
      const rows = await sinkDb.query<{ event_type: string; events: string }>(
        `SELECT event_type, events FROM ${table} WHERE event_type IN ($1, $2)`,
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
