// Stopping a deployment removes its BullMQ stage queues from Redis (jobs, events streams, meta), while
// the pipeline's stateful checkpoints stay for the next deployment.
import type { Redis } from "ioredis";
import { keyPatterns } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  createPipeline,
  createWorld,
  ownTopic,
  deploy,
  readAll,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { QUEUE_PREFIX } from "../src/queue/prefix";
import { graph } from "./graphs";
import { eventually, uniqueName } from "./services";

async function scan(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys;
}

describe("engine: stop cleanup", () => {
  let world: World;
  let running: RunningEngine;

  beforeAll(async () => {
    world = await createWorld();
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
  });

  afterAll(async () => {
    await running?.stop();
    await world?.close();
  });

  it("leaves no key of the stopped deployment's queues, and keeps the pipeline's checkpoints", async () => {
    const pipeline = await createPipeline(world, "cleanup");
    const key = await createApiKey(world);
    const pathKey = uniqueName("cleanup").toLowerCase();
    const outName = uniqueName("sluice-test-cleanup");
    const outTopic = ownTopic(world, outName);
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "dedup", type: "dedup", config: { key: "event.id", window: "10m" } },
          { id: "out", type: "kafka-sink", config: { topic: outName } },
        ],
        [
          ["ingest", "dedup"],
          ["dedup", "out"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
    const events = Array.from({ length: 30 }, (_, i) => ({ id: `c-${i % 20}`, type: "click", userId: `u-${i % 4}` }));
    const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": key.token },
    });
    expect(res.status).toBe(202);

    // 30 events, 20 distinct ids: dedup lets 20 through.
    expect((await readAll(world, outTopic, 20)).length).toBe(20);
    const queuePattern = `${QUEUE_PREFIX}:stage.${deploymentId}.*`;
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);

    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    await running.engine.reconciler.reconcile();
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("stopped");
    expect(await scan(world.redis, queuePattern)).toEqual([]);
    expect(await scan(world.redis, `*${deploymentId}*`)).toEqual([]);
    const checkpoints = await scan(world.redis, keyPatterns.checkpoints(pipeline.id, "dedup"));
    expect(checkpoints.length).toBeGreaterThan(0);
    await world.kafka.admin.deleteTopics([outTopic]);
  });

  it("removes the queues of a deployment stopped while no runner ran it, when a runner starts", async () => {
    const pipeline = await createPipeline(world, "cleanup-crash");
    const key = await createApiKey(world);
    const pathKey = uniqueName("crash").toLowerCase();
    const outName = uniqueName("sluice-test-cleanup");
    const outTopic = ownTopic(world, outName);
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "out", type: "kafka-sink", config: { topic: outName } },
        ],
        [["ingest", "out"]],
      ),
    );
    await waitRunning(world, deploymentId);
    const queuePattern = `${QUEUE_PREFIX}:stage.${deploymentId}.*`;
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);
    // The runner dies; the deployment is stopped meanwhile.
    await running.stop("abort");
    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
    await eventually(async () => expect(await scan(world.redis, queuePattern)).toEqual([]));
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("stopped");
    await world.kafka.admin.deleteTopics([outTopic]);
  });
});
