// Two runner engines on the same Redis/Kafka share a deployment's partitions and jobs; stopping one
// moves its work to the other without losing an event, and one still joining a new deployment's
// groups takes its HTTP ingest already (it shares the ingest port with the one that reports it running).
// - Keyed sink (insert ... ON CONFLICT DO NOTHING): the result is exactly once whatever happens.
// - Plain-insert sink: a runner that leaves cleanly (drain) stops reading, finishes and commits its
//   in-flight batches and only then leaves the group, so the other starts exactly after the last
//   processed record; any re-delivery after the leave would show as a second row.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
import { ingestMapToPostgres } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

describe("engine: two runners", () => {
  let world: World;
  const engines: RunningEngine[] = [];
  const tables: { db: pg.Client; table: string }[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });

  // Every engine runs every deployment of the world: a test's engines must be gone before the next
  // test's pair starts, or they would join its consumer groups too.
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop().catch(() => undefined);
  });

  afterAll(async () => {
    for (const t of tables) await closeSinkTable(t.db, t.table);
    await world?.close();
  });

  /** Two engines running one ingest -> map -> Postgres pipeline, a sender of 20-event requests, and probes. */
  async function twoRunners(name: string, keyed: boolean) {
    const table = uniqueName(name).replace(/-/g, "_");
    const db = await openSinkTable(table, keyed ? "event_id text PRIMARY KEY" : "event_id text NOT NULL");
    tables.push({ db, table });
    const settings = {
      topics: { partitions: 4, replicationFactor: 1, retentionMs: 3_600_000 },
      feeder: {
        ...DEFAULT_ENGINE_SETTINGS.feeder,
        maxBatchRecords: 20,
        maxBatchBytes: 2 ** 20,
        lingerMs: 10,
        maxInFlightTotal: 16,
      },
    };
    const a = await startEngine(world, settings);
    const b = await startEngine(world, settings);
    engines.push(a, b);
    const pipeline = await createPipeline(world, name);
    const key = await createApiKey(world);
    const pathKey = uniqueName(name).toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      ingestMapToPostgres({ pathKey, apiKeyId: key.id, connectionSecretId: secretId, table, keyed }),
    );
    await waitRunning(world, deploymentId);
    await eventually(() =>
      expect([a, b].every((e) => e.engine.reconciler.running().some((d) => d.spec.deploymentId === deploymentId))).toBe(
        true,
      ),
    );

    const state = { sent: 0 };
    const send = async (engine: RunningEngine, requests: number) => {
      for (let r = 0; r < requests; r++) {
        const events = Array.from({ length: 20 }, () => ({
          id: `${name}-${state.sent++}`,
          type: "click",
          userId: `u-${state.sent % 23}`,
        }));
        const response = await fetch(`${engine.http.url}/v1/ingest/${pathKey}`, {
          method: "POST",
          body: JSON.stringify(events),
          headers: { "x-api-key": key.token },
        });
        expect(response.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const inMap = async (engine: RunningEngine) => {
      const metric = await engine.registry.getSingleMetric("sluice_node_events_in_total")?.get();
      return metric?.values.filter((v) => v.labels["node"] === "map").reduce((sum, v) => sum + v.value, 0) ?? 0;
    };
    const rows = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    // Both own partitions once both have processed something.
    await eventually(
      async () => {
        await send(a, 2);
        expect(await inMap(a)).toBeGreaterThan(0);
        expect(await inMap(b)).toBeGreaterThan(0);
      },
      { timeoutMs: 30_000, everyMs: 200 },
    );
    /** b leaves (drains) while `requests` more go through a. */
    const bLeavesDuring = async (requests: number) => {
      const traffic = send(a, requests);
      await b.stop();
      engines.splice(engines.indexOf(b), 1);
      await traffic;
    };
    return { db, table, state, rows, bLeavesDuring };
  }

  it("spreads partitions over both and hands them over when one stops (keyed sink: exactly once)", async () => {
    const { db, table, state, rows, bLeavesDuring } = await twoRunners("scale", true);
    await bLeavesDuring(20);
    await eventually(async () => expect(await rows()).toBeGreaterThanOrEqual(state.sent), { timeoutMs: 40_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const duplicates = await db.query(`SELECT event_id FROM ${table} GROUP BY event_id HAVING count(*) > 1`);
    expect(duplicates.rows).toEqual([]);
    const distinct = await db.query<{ n: string }>(`SELECT count(DISTINCT event_id) AS n FROM ${table}`);
    expect(Number(distinct.rows[0]?.n)).toBe(state.sent);
  });

  it("takes a new deployment's events while still joining its groups: no 401 once another runner reports it running", async () => {
    const table = uniqueName("joining").replace(/-/g, "_");
    const db = await openSinkTable(table, "event_id text PRIMARY KEY");
    tables.push({ db, table });
    const settings = { topics: { partitions: 4, replicationFactor: 1, retentionMs: 3_600_000 } };
    const a = await startEngine(world, settings);
    const b = await startEngine(world, settings);
    engines.push(a, b);
    const pipeline = await createPipeline(world, "joining");
    const key = await createApiKey(world);
    const pathKey = uniqueName("joining").toLowerCase();
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      ingestMapToPostgres({ pathKey, apiKeyId: key.id, connectionSecretId: secretId, table, keyed: true }),
    );
    let reportedRunning = false;
    const running = waitRunning(world, deploymentId).then(() => (reportedRunning = true));
    const bRunsIt = () => b.engine.reconciler.running().some((d) => d.spec.deploymentId === deploymentId);
    // One event a request to b, from the deploy until b runs the deployment itself.
    const answers: { status: number; afterReportedRunning: boolean; bRunning: boolean; id: string }[] = [];
    for (let i = 0; !bRunsIt() || !reportedRunning; i++) {
      const [afterReportedRunning, bRunning] = [reportedRunning, bRunsIt()];
      const id = `joining-${i}`;
      const response = await fetch(`${b.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify([{ id, type: "click", userId: `u-${i % 7}` }]),
        headers: { "x-api-key": key.token },
      });
      answers.push({ status: response.status, afterReportedRunning, bRunning, id });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await running;
    // Before its topics exist the deployment is not running anywhere; after, b writes to it.
    expect(answers.filter((x) => x.afterReportedRunning && x.status !== 202)).toEqual([]);
    // b took events while it was still joining (its own runtime not yet running).
    expect(answers.filter((x) => !x.bRunning && x.status === 202).length).toBeGreaterThan(0);
    // Every event b accepted lands once.
    const accepted = answers.filter((x) => x.status === 202).map((x) => x.id);
    await eventually(
      async () => {
        const rows = await db.query<{ event_id: string }>(`SELECT event_id FROM ${table}`);
        expect(rows.rows.map((r) => r.event_id).sort()).toEqual([...accepted].sort());
      },
      { timeoutMs: 30_000 },
    );
  });

  it("delivers no batch twice to a plain-insert sink when a runner leaves mid-traffic", async () => {
    const { db, table, state, rows, bLeavesDuring } = await twoRunners("leave", false);
    // A join rebalance may repeat an in-flight batch (at-least-once): settle and count that phase first.
    await eventually(async () => expect(await rows()).toBeGreaterThanOrEqual(state.sent), { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await rows();
    const sentBefore = state.sent;

    await bLeavesDuring(30);
    await eventually(async () => expect(await rows()).toBeGreaterThanOrEqual(before + (state.sent - sentBefore)), {
      timeoutMs: 40_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await rows()).toBe(before + (state.sent - sentBefore));
    const repeated = await db.query<{ event_id: string }>(
      `SELECT event_id FROM ${table} GROUP BY event_id HAVING count(*) > 1`,
    );
    expect(repeated.rows.filter((r) => Number(r.event_id.slice("leave-".length)) >= sentBefore)).toEqual([]);
  });
});
