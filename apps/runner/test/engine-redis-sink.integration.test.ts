// The Redis sink through the engine: hash and sorted-set commands land in a real Redis, with their
// TTL, and replaying the same events (a redeploy from earliest) leaves the same state.
import { afterAll, describe, expect, it } from "vitest";
import {
  createIngestPipeline,
  createSecret,
  deploy,
  eventsIn,
  postIngest,
  redeploy,
  testTopics,
  useEngineWorld,
  waitRunning,
} from "./engine-world";
import { graph, ingestNode } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("engine: redis sink", () => {
  const prefix = uniqueName("rs-test");
  const setup = useEngineWorld({ topics: testTopics(2) });

  afterAll(async () => {
    const keys = await setup.world?.redis.keys(`${prefix}:*`);
    if (keys?.length) await setup.world.redis.del(...keys);
  });

  it("applies hash and sorted-set writes, and a replay changes nothing", async () => {
    const { world, running } = setup;
    const ingest = await createIngestPipeline(world, "redis-sink");
    const { pipeline } = ingest;
    const secretId = await createSecret(world, testServices.redisUrl);
    const g = graph(
      [
        ingestNode(ingest),
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
    const res = await postIngest(running, ingest, events);
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
    expect(await eventsIn(running, pipeline.id, "last")).toBe(4);

    // Replay everything: a new deployment of the same version from earliest.
    const replay = await redeploy(world, deploymentId, { startPosition: "earliest" });
    await waitRunning(world, replay.deploymentId);
    await eventually(async () => expect(await eventsIn(running, pipeline.id, "last")).toBe(8));
    await eventually(async () => expect(await eventsIn(running, pipeline.id, "board")).toBe(8));
    await expected();
  });
});
