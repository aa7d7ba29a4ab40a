// Two runner engines on the same Redis/Kafka share a deployment's partitions and jobs; stopping one
// moves its work to the other without losing an event. Delivery is at-least-once: a batch in flight
// during the rebalance may be delivered again, and the sink's key (insert ... ON CONFLICT DO NOTHING)
// makes the result exactly once, which is the guarantee asserted here.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSinkTable, createApiKey, createPipeline, createSecret, createWorld, deploy, openSinkTable, type RunningEngine, startEngine, waitRunning, type World } from "./engine-world";
import { graph } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("engine: two runners", () => {
  let world: World;
  let sinkDb: pg.Client;
  const engines: RunningEngine[] = [];
  const table = uniqueName("scale").replace(/-/g, "_");

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(table, "event_id text PRIMARY KEY");
  });

  afterAll(async () => {
    for (const e of engines) await e.stop().catch(() => undefined);
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  it("spreads partitions over both and hands them over when one stops", async () => {
    const settings = {
      topics: { partitions: 4, replicationFactor: 1, retentionMs: 3_600_000 },
      feeder: { maxBatchRecords: 20, maxBatchBytes: 2 ** 20, lingerMs: 10, maxInFlightPerPartition: 2, maxInFlightTotal: 16 },
    };
    const a = await startEngine(world, settings);
    const b = await startEngine(world, settings);
    engines.push(a, b);
    const pipeline = await createPipeline(world, "scale-out");
    const key = await createApiKey(world);
    const pathKey = uniqueName("scale").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "map", type: "map", config: { assignments: [{ target: "seen", expression: "true" }] } },
          {
            id: "sink",
            type: "postgres-sink",
            config: { connectionSecretId: secretId, table, mode: "insert", keyColumns: ["event_id"], columns: [{ column: "event_id", expression: "event.id" }] },
          },
        ],
        [["ingest", "map"], ["map", "sink"]],
      ),
    );
    await waitRunning(world, deploymentId);
    await eventually(() => expect([a, b].every((e) => e.engine.reconciler.running().length === 1)).toBe(true));

    let n = 0;
    const send = async (engine: RunningEngine, requests: number) => {
      for (let r = 0; r < requests; r++) {
        const events = Array.from({ length: 20 }, () => ({ id: `s-${n++}`, type: "click", userId: `u-${n % 23}` }));
        const response = await fetch(`${engine.http.url}/v1/ingest/${pathKey}`, { method: "POST", body: JSON.stringify(events), headers: { "x-api-key": key.token } });
        expect(response.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const inMap = async (engine: RunningEngine) => {
      const metric = await engine.registry.getSingleMetric("sluice_node_events_in_total")?.get();
      return metric?.values.filter((v) => v.labels["node"] === "map").reduce((sum, v) => sum + v.value, 0) ?? 0;
    };
    // Both have joined the group once both have processed something.
    await eventually(async () => {
      await send(a, 2);
      expect(await inMap(a)).toBeGreaterThan(0);
      expect(await inMap(b)).toBeGreaterThan(0);
    }, { timeoutMs: 30_000, everyMs: 200 });

    // b leaves (drains) while traffic continues through a.
    const traffic = send(a, 20);
    await b.stop();
    engines.splice(engines.indexOf(b), 1);
    await traffic;

    await eventually(async () => {
      const total = await sinkDb.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      expect(Number(total.rows[0]?.n)).toBeGreaterThanOrEqual(n);
    }, { timeoutMs: 40_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const duplicates = await sinkDb.query(`SELECT event_id FROM ${table} GROUP BY event_id HAVING count(*) > 1`);
    expect(duplicates.rows).toEqual([]);
    const distinct = await sinkDb.query<{ n: string }>(`SELECT count(DISTINCT event_id) AS n FROM ${table}`);
    expect(Number(distinct.rows[0]?.n)).toBe(n);
  });
});
