// Merging node health across runner processes through the real Redis.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger, testServices, uniqueName } from "../../test/services";
import { deploymentHealthKey } from "@sluice/shared";
import { closeRedis, createRedis } from "../services/redis";
import { mergedNodeStatus } from "./node-status";

describe("mergedNodeStatus", () => {
  let redis: Redis;
  const deploymentId = uniqueName("dep");

  beforeAll(async () => {
    redis = createRedis(testServices.redisUrl, testLogger, "runner-test");
    await redis.connect();
  });

  afterAll(async () => {
    await redis.del(deploymentHealthKey(deploymentId));
    await closeRedis(redis);
  });

  it("merges every process's fresh view (failing anywhere is failing) and leaves stale views out", async () => {
    expect(
      await mergedNodeStatus(
        redis,
        deploymentId,
        "runner-a",
        { map: { state: "running" }, sink: { state: "running" } },
        10_000,
      ),
    ).toEqual({
      map: { state: "running" },
      sink: { state: "running" },
    });
    const merged = await mergedNodeStatus(
      redis,
      deploymentId,
      "runner-b",
      { map: { state: "running" }, sink: { state: "failing", reason: "connection refused" } },
      10_000,
    );
    expect(merged).toEqual({ map: { state: "running" }, sink: { state: "failing", reason: "connection refused" } });
    // runner-b stops reporting: once its view is older than freshMs it no longer counts.
    await redis.hset(
      deploymentHealthKey(deploymentId),
      "runner-b",
      JSON.stringify({ at: Date.now() - 60_000, nodes: { sink: { state: "failing", reason: "old" } } }),
    );
    expect(
      await mergedNodeStatus(
        redis,
        deploymentId,
        "runner-a",
        { map: { state: "running" }, sink: { state: "running" } },
        10_000,
      ),
    ).toEqual({
      map: { state: "running" },
      sink: { state: "running" },
    });
    expect(await redis.pttl(deploymentHealthKey(deploymentId))).toBeGreaterThan(0);
  });
});
