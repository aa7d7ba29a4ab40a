// ingest -> validate -> filter -> map -> postgres-sink, deployed through Postgres rows and a Redis
// notice like the web app does; events POSTed with a real API key land exactly once.
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
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";

describe("engine: HTTP ingest to Postgres", () => {
  let world: World;
  let running: RunningEngine;
  let sinkDb: pg.Client;
  let key: { token: string; id: string; hash: string };
  let pipelineId: string;
  const table = uniqueName("sink").replace(/-/g, "_");
  const pathKey = uniqueName("web").toLowerCase();

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(table, "event_id text PRIMARY KEY, event_type text NOT NULL, tag text");
    const secretId = await createSecret(world, testServices.databaseUrl);
    const pipeline = await createPipeline(world, "ingest-to-postgres");
    pipelineId = pipeline.id;
    key = await createApiKey(world, pipelineId);
    running = await startEngine(world, { topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 } });
    const { deploymentId } = await deploy(
      world,
      pipelineId,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "validate", type: "validate" },
          { id: "filter", type: "filter", config: { condition: 'event.type != "signup"' } },
          { id: "map", type: "map", config: { assignments: [{ target: "props.tag", expression: '"seen"' }] } },
          postgresSinkNode({
            connectionSecretId: secretId,
            table,
            keyColumns: ["event_id"],
            columns: { event_id: "event.id", event_type: "event.type", tag: "event.props.tag" },
          }),
        ],
        [
          ["ingest", "validate"],
          ["validate", "filter"],
          ["filter", "map"],
          ["map", "sink"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
    const row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row.nodeStatus).toMatchObject({ ingest: { state: "running" }, sink: { state: "running" } });
  });

  afterAll(async () => {
    await running?.stop();
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  const post = (body: string, token = key.token, path = pathKey) =>
    fetch(`${running.http.url}/v1/ingest/${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-api-key": token },
    });

  it("writes every accepted event exactly once, and reports rejected ones by index", async () => {
    const types = ["page_view", "click", "signup", "purchase"];
    const events = Array.from({ length: 60 }, (_, i) => ({
      id: `e-${i}`,
      type: types[i % 4],
      userId: `u-${i % 7}`,
      props: { amount: 1 },
    }));
    const first = await post(JSON.stringify(events.slice(0, 30)));
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 30, rejected: 0, errors: [] });
    // NDJSON, with one item that is not an event.
    const ndjson = [...events.slice(30).map((e) => JSON.stringify(e)), JSON.stringify({ nope: true })].join("\n");
    const second = await post(ndjson);
    expect(second.status).toBe(202);
    const body = (await second.json()) as { accepted: number; rejected: number; errors: { index: number }[] };
    expect(body).toMatchObject({ accepted: 30, rejected: 1 });
    expect(body.errors.map((e) => e.index)).toEqual([30]);
    // A client retry of the first request: the sink's key makes it a no-op.
    expect((await post(JSON.stringify(events.slice(0, 30)))).status).toBe(202);

    const expected = events
      .filter((e) => e.type !== "signup")
      .map((e) => e.id)
      .sort();
    await eventually(
      async () => {
        const rows = await sinkDb.query<{ event_id: string; tag: string }>(
          `SELECT event_id, tag FROM ${table} ORDER BY event_id`,
        );
        expect(rows.rows.map((r) => r.event_id).sort()).toEqual(expected);
        expect(new Set(rows.rows.map((r) => r.tag))).toEqual(new Set(["seen"]));
      },
      { timeoutMs: 30_000 },
    );
    const metrics = await running.registry.metrics();
    expect(metrics).toMatch(/sluice_node_events_in_total\{pipeline="[^"]+",node="sink"\} \d+/);
  });

  it("answers 400 to a malformed body and writes nothing", async () => {
    const topic = `sluice.${world.workspaceId}.${pipelineId}.ingest.out`;
    const sum = async () => (await world.kafka.admin.endOffsets([topic])).reduce((s, o) => s + o.offset, 0n);
    const before = await sum();
    const response = await post('[{"id":"x-1","type":"click"}, {"id": ');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/JSON/);
    expect(await sum()).toBe(before);
    const rows = await sinkDb.query(`SELECT 1 FROM ${table} WHERE event_id = 'x-1'`);
    expect(rows.rowCount).toBe(0);
  });

  it("answers an unknown path key exactly like a bad key (401), so path keys cannot be probed", async () => {
    const answer = async (response: Response) => ({
      status: response.status,
      auth: response.headers.get("www-authenticate"),
      body: await response.text(),
    });
    const unknownPath = await answer(await post("[]", key.token, "no-such-endpoint"));
    const badKey = await answer(await post("[]", "slk_not-a-key"));
    expect(unknownPath.status).toBe(401);
    expect(badKey).toEqual(unknownPath);
    expect(await answer(await post("[]", "slk_not-a-key", "no-such-endpoint"))).toEqual(unknownPath);
  });

  it("refuses a revoked key within a second of the revocation notice", async () => {
    expect((await post(JSON.stringify([{ id: "r-1", type: "click", userId: "u" }]))).status).toBe(202);
    await world.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await world.redis.publish(API_KEY_REVOKED_CHANNEL, key.hash);
    const revokedAt = Date.now();
    await eventually(async () => expect((await post("[]")).status).toBe(401), { timeoutMs: 1000, everyMs: 50 });
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });
});
