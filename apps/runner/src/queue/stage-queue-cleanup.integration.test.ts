// A stopped deployment's stage queue is removed by every engine process that ran it, often at the same
// moment: each removal must succeed (BullMQ's obliterate fails when another one emptied the queue
// between its pause and its script: "Cannot obliterate non-paused queue").
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger, testServices, uniqueName } from "../../test/services";
import { closeRedis, createRedis } from "../services/redis";
import { QUEUE_PREFIX } from "./prefix";
import { removeStageQueue } from "./stage-queue";

describe("removing a stage queue", () => {
  let one: Redis;
  let other: Redis;
  beforeAll(() => {
    one = createRedis(testServices.redisUrl, testLogger, "queue-cleanup-1");
    other = createRedis(testServices.redisUrl, testLogger, "queue-cleanup-2");
  });
  afterAll(async () => {
    await closeRedis(one);
    await closeRedis(other);
  });

  it("succeeds in two processes at once, and leaves no key of the queue", async () => {
    // Without the fix the race is lost in most rounds (9 of 10 when written).
    for (let round = 0; round < 10; round++) {
      const name = `stage.${uniqueName("cleanup")}.s${round}`;
      const queue = new Queue(name, { connection: one, prefix: QUEUE_PREFIX });
      await queue.add("batch", { round });
      await queue.close();
      expect(await Promise.all([removeStageQueue(name, one), removeStageQueue(name, other)])).toEqual([true, true]);
      expect(await one.keys(`${QUEUE_PREFIX}:${name}:*`)).toEqual([]);
    }
  });
});
