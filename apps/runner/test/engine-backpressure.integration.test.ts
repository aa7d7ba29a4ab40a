// Back-pressure: while a stage cannot commit (its sink is down and the batch is retried with a long
// backoff), its lag grows, shows in the lag gauge, and ingest answers 429 with Retry-After once it
// passes the threshold: whether that stage reads the ingest topic or a topic further down the pipeline.
import { describe, expect, it } from "vitest";
import { createApiKey, createPipeline, createSecret, deploy, waitRunning, useEngineWorld } from "./engine-world";
import { graph, ingestToPostgres, sinkColumns } from "./graphs";
import { eventually, uniqueName } from "./services";

describe("engine: back-pressure", () => {
  const setup = useEngineWorld(
    {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      pool: { concurrency: 1, attempts: 20, backoffMs: 10_000 },
      ingestLagThreshold: 10,
    },
    "abort",
  );

  /** Posts 20 events to the endpoint. */
  const post20 = (pathKey: string, token: string) =>
    fetch(`${setup.running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(
        Array.from({ length: 20 }, (_, i) => ({ id: `bp-${Math.random()}-${i}`, type: "click", userId: `u-${i}` })),
      ),
      headers: { "x-api-key": token },
    });

  it("answers 429 with Retry-After when the first topic's lag passes the threshold", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "backpressure");
    const key = await createApiKey(world);
    const pathKey = uniqueName("bp").toLowerCase();
    const secretId = await createSecret(world, "postgresql://root@127.0.0.1:1/none");
    const { deploymentId } = await deploy(world, pipeline.id, ingestToPostgres(pathKey, key.id, secretId));
    await waitRunning(world, deploymentId);
    const post = () => post20(pathKey, key.token);
    expect((await post()).status).toBe(202);
    const topic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    await eventually(async () => {
      await running.engine.lag.refresh();
      expect(running.engine.lag.lagOf(topic)).toBeGreaterThanOrEqual(20);
    });
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    const metrics = await running.registry.metrics();
    // Labelled by the edge's writer, never by a topic name (those carry workspace ids).
    expect(metrics).toContain(`sluice_edge_lag_messages{pipeline="${pipeline.id}",edge="ingest.out",partition="0"}`);
    expect(metrics).not.toContain(world.workspaceId);
  });
  it("answers 429 when a later stage falls behind though the first keeps up", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "backpressure-later");
    const key = await createApiKey(world);
    const pathKey = uniqueName("bpl").toLowerCase();
    const secretId = await createSecret(world, "postgresql://root@127.0.0.1:1/none");
    // ingest -> map -> [topic] -> unreachable sink: the map stage commits, the sink's stage cannot.
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "map", type: "map", config: { assignments: [{ target: "props.seen", expression: "true" }] } },
          { id: "sink", type: "postgres-sink", config: { ...sinkColumns, connectionSecretId: secretId } },
        ],
        [
          ["ingest", "map"],
          ["map", "sink", { forceTopic: true }],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
    const post = () => post20(pathKey, key.token);
    expect((await post()).status).toBe(202);
    const ingestTopic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    const mapTopic = `sluice.${world.workspaceId}.${pipeline.id}.map.out`;
    await eventually(async () => {
      await running.engine.lag.refresh();
      // The first stage took everything (its group is at the end of the ingest topic); the sink's did not.
      const metrics = await running.registry.metrics();
      const ingestLags = [
        ...metrics.matchAll(/sluice_edge_lag_messages\{pipeline="([^"]+)",edge="ingest\.out",[^}]*\} (\d+)/g),
      ]
        .filter(([, id]) => id === pipeline.id)
        .map(([, , lag]) => Number(lag));
      expect(ingestLags.length).toBeGreaterThan(0);
      expect(ingestLags.every((lag) => lag === 0)).toBe(true);
      expect(running.engine.lag.lagOf(mapTopic)).toBeGreaterThanOrEqual(20);
      expect(running.engine.lag.lagOf(ingestTopic)).toBeGreaterThanOrEqual(20);
    });
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: "backpressure" });
  });
});
