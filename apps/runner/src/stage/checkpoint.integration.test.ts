// The outbox's sender lease on a real Redis: a partition's next owner waits for a live sender to clear
// its outbox (one emission per window across a rebalance), sends it itself once the lease is gone (the
// sender died), and never waits for its own outbox.
import { checkpointKeys, keyPatterns, watermarkKey } from "@sluice/shared";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger, testServices, uniqueName } from "../../test/services";
import { closeRedis, createRedis } from "../services/redis";
import { deleteMatching } from "../services/redis-keys";
import { clearOutbox, newMarker, outboxHandover, readCheckpoint, writeCheckpoint } from "./checkpoint";

describe("outbox handover", () => {
  let redis: Redis;
  const pipeline = uniqueName("outbox-pipeline");
  beforeAll(() => {
    redis = createRedis(testServices.redisUrl, testLogger, "checkpoint-test");
  });
  afterAll(async () => {
    await deleteMatching(redis, keyPatterns.checkpoints(pipeline));
    await deleteMatching(redis, keyPatterns.watermarks(pipeline));
    await closeRedis(redis);
  });

  /** Checkpoints partition `partition` with a one-message outbox sent by `sender`; returns its keys and id. */
  async function checkpointed(partition: number, sender: string, leaseMs: number) {
    const keys = checkpointKeys(pipeline, "window", "keyed", partition);
    const marker = newMarker("41");
    const applied = await writeCheckpoint(redis, keys, watermarkKey(pipeline, "window"), {
      expected: "",
      marker,
      stored: { core: null, seen: {} },
      partition,
      watermark: "",
      outbox: [{ topic: "out", key: "k", value: '{"events":3,"revision":0}' }],
      sender,
      leaseMs,
    });
    expect(applied).toBe(true);
    const read = await readCheckpoint(redis, keys);
    expect(read.outbox).toMatchObject({ id: marker, sender });
    return { keys, marker, outbox: read.outbox! };
  }

  it("waits while another process sends the outbox, and is told it was cleared", async () => {
    const { keys, marker, outbox } = await checkpointed(0, "previous-owner", 5000);
    const started = Date.now();
    setTimeout(() => void clearOutbox(redis, keys, marker), 300);
    expect(await outboxHandover(redis, keys, outbox, "next-owner")).toBe("cleared");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(2000);
    // The lease went with the outbox.
    expect(await redis.exists(keys.outbox, keys.sending)).toBe(0);
    expect((await readCheckpoint(redis, keys)).checkpoint?.marker).toBe(marker);
  });

  it("sends it itself once the sender's lease expired (the sender died)", async () => {
    const { keys, outbox } = await checkpointed(1, "dead-owner", 400);
    const started = Date.now();
    expect(await outboxHandover(redis, keys, outbox, "next-owner")).toBe("send");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await redis.exists(keys.outbox)).toBe(1);
  });

  it("sends its own outbox again at once (its own send failed)", async () => {
    const { keys, outbox } = await checkpointed(2, "this-process", 5000);
    const started = Date.now();
    expect(await outboxHandover(redis, keys, outbox, "this-process")).toBe("send");
    expect(Date.now() - started).toBeLessThan(100);
  });

  it("a checkpoint with nothing to send removes an earlier outbox and its lease", async () => {
    const { keys, marker } = await checkpointed(3, "previous-owner", 5000);
    const applied = await writeCheckpoint(redis, keys, watermarkKey(pipeline, "window"), {
      expected: marker,
      marker: newMarker("42"),
      stored: { core: null, seen: {} },
      partition: 3,
      watermark: "",
      outbox: [],
    });
    expect(applied).toBe(true);
    expect(await redis.exists(keys.outbox, keys.sending)).toBe(0);
  });
});
