// The job catalog, queue and worker pool against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { closeRedis, createRedis } from "../services/redis";
import { createJobQueue, createWorkerPool, defineJobCatalog, QUEUE_PREFIX } from "./index";

const catalog = defineJobCatalog({
  "test.sum": { schema: z.object({ version: z.literal("v1"), numbers: z.array(z.number()) }) },
});

describe("job queue and worker pool", () => {
  let redis: Redis;
  const queueName = uniqueName("test-queue");

  beforeAll(async () => {
    redis = createRedis(testServices.redisUrl, testLogger, "runner-test");
    await redis.connect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${QUEUE_PREFIX}:${queueName}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await closeRedis(redis);
  });

  it("processes a job with the handler for its name and leaves no job behind", async () => {
    const queue = createJobQueue(queueName, catalog, { connection: redis });
    const sums: number[] = [];
    const pool = createWorkerPool(
      queue,
      { "test.sum": async ({ payload }) => void sums.push(payload.numbers.reduce((a, b) => a + b, 0)) },
      { connection: redis, concurrency: 2, log: testLogger, workerName: "runner-test" },
    );

    const id = await queue.enqueue("test.sum", { version: "v1", numbers: [1, 2, 3] });
    expect(id).toBeTruthy();
    await eventually(() => expect(sums).toEqual([6]));
    await eventually(async () => {
      const counts = await queue.counts();
      expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    });
    // removeOnComplete: the job's own hash is gone, not just moved to "completed".
    expect(await redis.exists(`${QUEUE_PREFIX}:${queueName}:${id}`)).toBe(0);

    await pool.close();
    await queue.close();
  });

  it("refuses a payload that does not match the catalog before it reaches Redis", async () => {
    const queue = createJobQueue(queueName, catalog, { connection: redis });
    const before = await queue.counts();
    // @ts-expect-error version "v2" is not in the schema.
    await expect(queue.enqueue("test.sum", { version: "v2", numbers: [] })).rejects.toThrow();
    expect(await queue.counts()).toEqual(before);
    await queue.close();
  });
});
