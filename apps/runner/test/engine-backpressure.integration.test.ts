// Back-pressure: while a stage cannot commit (its sink is down and the batch is retried with a long
// backoff), the lag of the ingest topic grows, shows in the lag gauge, and ingest answers 429 with
// Retry-After once it passes the threshold.
import { describe, expect, it } from "vitest";
import { createApiKey, createPipeline, createSecret, deploy, waitRunning, useEngineWorld } from "./engine-world";
import { ingestToPostgres } from "./graphs";
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

  it("answers 429 with Retry-After when the first topic's lag passes the threshold", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "backpressure");
    const key = await createApiKey(world);
    const pathKey = uniqueName("bp").toLowerCase();
    const secretId = await createSecret(world, "postgresql://root@127.0.0.1:1/none");
    const { deploymentId } = await deploy(world, pipeline.id, ingestToPostgres(pathKey, key.id, secretId));
    await waitRunning(world, deploymentId);
    const post = () =>
      fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(
          Array.from({ length: 20 }, (_, i) => ({ id: `bp-${Math.random()}-${i}`, type: "click", userId: `u-${i}` })),
        ),
        headers: { "x-api-key": key.token },
      });
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
});
