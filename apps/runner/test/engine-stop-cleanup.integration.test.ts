// Stopping a deployment removes its BullMQ stage queues from Redis (jobs, events streams, meta), while
// the pipeline's stateful checkpoints stay for the next deployment.
import type { Redis } from "ioredis";
import { keyPatterns } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { deployIngestToKafka, postIngest, readAll, stopDeployment, testTopics, useEngineWorld } from "./engine-world";
import { QUEUE_PREFIX } from "../src/queue/prefix";
import { eventually } from "./services";

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
  const settings = { topics: testTopics(2) };
  const setup = useEngineWorld(settings);

  it("leaves no key of the stopped deployment's queues, and keeps the pipeline's checkpoints", async () => {
    const { world, running } = setup;
    const ingest = await deployIngestToKafka(world, "cleanup", [
      { id: "dedup", type: "dedup", config: { key: "event.id", window: "10m" } },
    ]);
    const { pipeline, outTopic, deploymentId } = ingest;
    const events = Array.from({ length: 30 }, (_, i) => ({ id: `c-${i % 20}`, type: "click", userId: `u-${i % 4}` }));
    const res = await postIngest(running, ingest, events);
    expect(res.status).toBe(202);

    // 30 events, 20 distinct ids: dedup lets 20 through.
    expect((await readAll(world, outTopic, 20)).length).toBe(20);
    const queuePattern = `${QUEUE_PREFIX}:stage.${deploymentId}.*`;
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);

    await stopDeployment(world, running, deploymentId);
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("stopped");
    expect(await scan(world.redis, queuePattern)).toEqual([]);
    expect(await scan(world.redis, `*${deploymentId}*`)).toEqual([]);
    const checkpoints = await scan(world.redis, keyPatterns.checkpoints(pipeline.id, "dedup"));
    expect(checkpoints.length).toBeGreaterThan(0);
    await world.kafka.admin.deleteTopics([outTopic]);
  });

  it("removes the queues of a deployment stopped while no runner ran it, when a runner starts", async () => {
    const { world } = setup;
    const { outTopic, deploymentId } = await deployIngestToKafka(world, "cleanup-crash");
    const queuePattern = `${QUEUE_PREFIX}:stage.${deploymentId}.*`;
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);
    // The runner dies; the deployment is stopped meanwhile.
    await setup.stop(setup.running, "abort");
    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    expect((await scan(world.redis, queuePattern)).length).toBeGreaterThan(0);
    setup.running = await setup.start(settings);
    await eventually(async () => expect(await scan(world.redis, queuePattern)).toEqual([]));
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("stopped");
    await world.kafka.admin.deleteTopics([outTopic]);
  });
});
