// The runner side of the live tap against real Redis: nothing is published for ports nobody watches,
// a watched port is sampled (newest records) at most TAP_MAX_PER_SECOND per second per process, and
// sampling stops once the web's announcement expires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { TAP_INDEX_KEY, tapChannel, tapMember, type TapMessageV1 } from "@sluice/shared";
import { TAP_MAX_PER_SECOND, tapOutputs } from "../src/observe/tap";
import { closeRedis, createRedis } from "../src/services/redis";
import { eventually, testLogger, testServices, uniqueName } from "./services";

describe("live tap sampler", () => {
  let redis: Redis;
  let sub: Redis;
  const pipelineId = uniqueName("tap-pipeline");
  const received: TapMessageV1[] = [];

  beforeAll(async () => {
    redis = createRedis(testServices.redisUrl, testLogger, "tap-test");
    sub = createRedis(testServices.redisUrl, testLogger, "tap-test-sub");
    await Promise.all([redis.connect(), sub.connect()]);
    sub.on("message", (_channel: string, message: string) => received.push(JSON.parse(message) as TapMessageV1));
    await sub.subscribe(tapChannel(pipelineId));
  });
  afterAll(async () => {
    await redis.zrem(TAP_INDEX_KEY, tapMember(pipelineId, "n1", "out"));
    await closeRedis(sub);
    await closeRedis(redis);
  });

  const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `e${from + i}` }));
  /** Offers batches for `ms`, the way a busy stage would, and returns how many records were offered. */
  async function offerFor(ms: number, nodeId = "n1") {
    const until = Date.now() + ms;
    let next = 0;
    while (Date.now() < until) {
      tapOutputs(redis, pipelineId, nodeId, "out", batch(next, 50));
      next += 50;
      await new Promise((r) => setTimeout(r, 20));
    }
    return next;
  }

  it("publishes nothing while no viewer watches the port", async () => {
    await offerFor(1500);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([]);
  });

  it("samples the newest records of a watched port, at most 20 per second, and stops when the announcement expires", async () => {
    await redis.zadd(TAP_INDEX_KEY, Date.now() + 4000, tapMember(pipelineId, "n1", "out"));
    const started = Date.now();
    const offered = await offerFor(3000);
    // Another port of the same pipeline is not watched.
    await offerFor(300, "n2");
    const seconds = Math.ceil((Date.now() - started) / 1000);
    await eventually(() => expect(received.length).toBeGreaterThan(0));
    const events = received.flatMap((m) => m.events.map((e) => JSON.parse(e) as { id: string }));
    expect(received.every((m) => m.nodeId === "n1" && m.port === "out")).toBe(true);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThanOrEqual(TAP_MAX_PER_SECOND * (seconds + 1));
    expect(offered).toBeGreaterThan(TAP_MAX_PER_SECOND * (seconds + 1));
    // Each message carries the newest records of its batch (the last ids of a 50-record batch).
    for (const m of received)
      expect(Number((JSON.parse(m.events.at(-1)!) as { id: string }).id.slice(1)) % 50).toBe(49);

    // Past the announcement's expiry (plus one refresh), nothing more is published.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 4000 - Date.now()) + 1100));
    await offerFor(200);
    const count = received.length;
    await offerFor(1500);
    expect(received.length).toBe(count);
  });
});
