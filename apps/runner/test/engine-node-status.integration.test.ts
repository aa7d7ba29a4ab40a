// Node-level status: a sink whose writes fail turns its node and the deployment `failing` with the
// database's own error as the reason (written to Postgres), and both return to `running` once a
// batch goes through again.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { ingestToPostgres } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

type NodeStatusRow = Record<string, { state: string; reason?: string }>;

describe("engine: node status", () => {
  let world: World;
  let running: RunningEngine;
  let db: pg.Client | undefined;
  const table = `status_sink_${Date.now().toString(36)}`;

  beforeAll(async () => {
    world = await createWorld();
    running = await startEngine(world, {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
    });
  });

  afterAll(async () => {
    await running?.stop();
    await closeSinkTable(db, table);
    await world?.close();
  });

  const post = (pathKey: string, token: string, events: unknown[]) =>
    fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": token },
    });
  const row = (deploymentId: string) => world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });

  it("reports a failing sink with its error, then recovery, per node and for the pipeline", async () => {
    const pipeline = await createPipeline(world, "status");
    const key = await createApiKey(world);
    const pathKey = uniqueName("status").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const graph = ingestToPostgres(pathKey, key.id, secretId);
    graph.nodes[1]!.config["table"] = table;
    const { deploymentId } = await deploy(world, pipeline.id, graph);
    await waitRunning(world, deploymentId);
    const started = await row(deploymentId);
    expect(started.nodeStatus).toEqual({ ingest: { state: "running" }, sink: { state: "running" } });

    // The table does not exist yet: every write fails.
    expect((await post(pathKey, key.token, [{ id: "a-1", type: "click", userId: "u-1" }])).status).toBe(202);
    const failing = await eventually(async () => {
      const d = await row(deploymentId);
      expect(d.status).toBe("failing");
      return d;
    });
    const nodes = failing.nodeStatus as NodeStatusRow;
    expect(nodes["sink"]?.state).toBe("failing");
    expect(nodes["sink"]?.reason).toContain(`relation "${table}" does not exist`);
    expect(nodes["ingest"]).toEqual({ state: "running" });
    expect(failing.statusReason).toContain("node sink:");

    db = await openSinkTable(table, "event_id text PRIMARY KEY, event_type text");
    expect((await post(pathKey, key.token, [{ id: "a-2", type: "view", userId: "u-1" }])).status).toBe(202);
    const recovered = await eventually(async () => {
      const d = await row(deploymentId);
      expect(d.status).toBe("running");
      return d;
    });
    expect(recovered.statusReason).toBeNull();
    expect(recovered.nodeStatus).toEqual({ ingest: { state: "running" }, sink: { state: "running" } });
    const { rows } = await db.query<{ event_id: string }>(`SELECT event_id FROM ${table}`);
    expect(rows.map((r) => r.event_id)).toEqual(["a-2"]);

    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    await running.engine.reconciler.reconcile();
    const stopped = await row(deploymentId);
    expect(stopped.status).toBe("stopped");
    expect(stopped.nodeStatus).toEqual({ ingest: { state: "stopped" }, sink: { state: "stopped" } });
  });
});
