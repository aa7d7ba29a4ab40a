// Redeploying a new version while events keep arriving hands over at exact offsets: the sink (plain
// inserts, no key, so a duplicate would be a second row) holds every event id exactly once, some
// processed by version 1 and the rest by version 2.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  type RunningEngine,
  startEngine,
  waitRunning,
  type World,
} from "./engine-world";
import { graph, postgresSinkNode } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

describe("engine: redeploy handover", () => {
  let world: World;
  let running: RunningEngine;
  let sinkDb: pg.Client;
  const table = uniqueName("redeploy").replace(/-/g, "_");

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(table, "event_id text NOT NULL, version text NOT NULL");
    running = await startEngine(world, {
      topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
      feeder: {
        ...DEFAULT_ENGINE_SETTINGS.feeder,
        maxBatchRecords: 20,
        maxBatchBytes: 2 ** 20,
        lingerMs: 10,
        maxInFlightTotal: 16,
      },
    });
  });

  afterAll(async () => {
    await running?.stop();
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  it("processes every event exactly once across the version change", async () => {
    const pipeline = await createPipeline(world, "redeploy");
    const key = await createApiKey(world);
    const pathKey = uniqueName("redeploy").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const version = (tag: string) =>
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "map", type: "map", config: { assignments: [{ target: "version", expression: `"${tag}"` }] } },
          postgresSinkNode({
            connectionSecretId: secretId,
            table,
            columns: { event_id: "event.id", version: "event.version" },
          }),
        ],
        [
          ["ingest", "map"],
          ["map", "sink"],
        ],
      );
    const v1 = await deploy(world, pipeline.id, version("v1"));
    await waitRunning(world, v1.deploymentId);

    let n = 0;
    const send = async (requests: number) => {
      for (let r = 0; r < requests; r++) {
        const events = Array.from({ length: 25 }, () => ({ id: `r-${n++}`, type: "click", userId: `u-${n % 11}` }));
        const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
          method: "POST",
          body: JSON.stringify(events),
          headers: { "x-api-key": key.token },
        });
        expect(response.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await send(10);
    // Redeploy while traffic continues.
    const traffic = send(20);
    const v2 = await deploy(world, pipeline.id, version("v2"));
    await traffic;
    await waitRunning(world, v2.deploymentId);
    await send(10);

    await eventually(
      async () => {
        const total = await sinkDb.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
        expect(Number(total.rows[0]?.n)).toBeGreaterThanOrEqual(n);
      },
      { timeoutMs: 40_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const duplicates = await sinkDb.query(`SELECT event_id FROM ${table} GROUP BY event_id HAVING count(*) > 1`);
    expect(duplicates.rows).toEqual([]);
    const distinct = await sinkDb.query<{ n: string }>(`SELECT count(DISTINCT event_id) AS n FROM ${table}`);
    expect(Number(distinct.rows[0]?.n)).toBe(n);
    const byVersion = await sinkDb.query<{ version: string }>(`SELECT DISTINCT version FROM ${table} ORDER BY version`);
    expect(byVersion.rows.map((r) => r.version)).toEqual(["v1", "v2"]);
    const old = await world.prisma.deployment.findUniqueOrThrow({ where: { id: v1.deploymentId } });
    expect(old.status).toBe("stopped");
    expect(old.stoppedAt).not.toBeNull();
  });
});
