// The Redis sink through the engine: hash and sorted-set commands land in a real Redis, with their
// TTL, and replaying the same events (a redeploy from earliest) leaves the same state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOYMENTS_CHANNEL } from "@sluice/shared";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("engine: redis sink", () => {
  let world: World;
  let running: RunningEngine;
  const prefix = uniqueName("rs-test");

  beforeAll(async () => {
    world = await createWorld();
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
  });

  afterAll(async () => {
    await running?.stop();
    const keys = await world?.redis.keys(`${prefix}:*`);
    if (keys?.length) await world.redis.del(...keys);
    await world?.close();
  });

  /** Events that entered a node in this process (the Prometheus counter). */
  async function eventsIn(pipelineId: string, node: string): Promise<number> {
    const metric = await running.registry.getSingleMetric("sluice_node_events_in_total")?.get();
    return metric?.values.find((v) => v.labels["pipeline"] === pipelineId && v.labels["node"] === node)?.value ?? 0;
  }

  it("applies hash and sorted-set writes, and a replay changes nothing", async () => {
    const pipeline = await createPipeline(world, "redis-sink");
    const key = await createApiKey(world);
    const pathKey = uniqueName("rs").toLowerCase();
    const secretId = await createSecret(world, testServices.redisUrl);
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        {
          id: "last",
          type: "redis-sink",
          config: {
            connectionSecretId: secretId,
            mode: "hash",
            keyTemplate: `${prefix}:user:{userId}`,
            field: "event.type",
            value: "event.id",
            ttl: "1h",
          },
        },
        {
          id: "board",
          type: "redis-sink",
          config: {
            connectionSecretId: secretId,
            mode: "sorted-set",
            keyTemplate: `${prefix}:board`,
            field: "event.id",
            value: "event.props.score",
          },
        },
      ],
      [
        ["ingest", "last"],
        ["ingest", "board"],
      ],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const events = [
      { id: "e1", type: "view", userId: "u1", props: { score: 3 } },
      { id: "e2", type: "click", userId: "u1", props: { score: 7 } },
      { id: "e3", type: "view", userId: "u2", props: { score: 5 } },
      // Not a number: this one goes to the board's DLQ, the hash still gets it.
      { id: "e4", type: "buy", userId: "u2", props: { score: "high" } },
    ];
    const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": key.token },
    });
    expect(res.status).toBe(202);

    const expected = async () => {
      expect(await world.redis.hgetall(`${prefix}:user:u1`)).toEqual({ view: "e1", click: "e2" });
      expect(await world.redis.hgetall(`${prefix}:user:u2`)).toEqual({ view: "e3", buy: "e4" });
      expect(await world.redis.zrange(`${prefix}:board`, "0", "-1", "WITHSCORES")).toEqual([
        "e1",
        "3",
        "e3",
        "5",
        "e2",
        "7",
      ]);
    };
    await eventually(expected);
    const ttl = await world.redis.ttl(`${prefix}:user:u1`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(await world.redis.ttl(`${prefix}:board`)).toBe(-1);
    expect(await eventsIn(pipeline.id, "last")).toBe(4);

    // Replay everything: a new deployment of the same version from earliest.
    const version = await world.prisma.deployment.findUniqueOrThrow({
      where: { id: deploymentId },
      select: { versionId: true },
    });
    const replay = await world.prisma.$transaction(async (tx) => {
      await tx.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
      return tx.deployment.create({
        data: {
          workspaceId: world.workspaceId,
          pipelineId: pipeline.id,
          versionId: version.versionId,
          desiredState: "running",
          startPosition: "earliest",
          createdById: world.userId,
        },
      });
    });
    await world.redis.publish(DEPLOYMENTS_CHANNEL, pipeline.id);
    await waitRunning(world, replay.id);
    await eventually(async () => expect(await eventsIn(pipeline.id, "last")).toBe(8));
    await eventually(async () => expect(await eventsIn(pipeline.id, "board")).toBe(8));
    await expected();
  });
});
