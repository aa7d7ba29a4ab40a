// GET /v1/views through the engine: a deployed pipeline's window results (postgres-sink upsert) and
// leaderboard (redis-sink sorted set) read back with a read API key; key scopes, bad parameters,
// revocation, and another workspace's key seeing nothing.
import type pg from "pg";
import { issueToken } from "@sluice/db";
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";
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
import { graph } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

async function createReadKey(world: World, pipelineId?: string) {
  const issued = issueToken("read");
  const row = await world.prisma.apiKey.create({
    data: {
      workspaceId: world.workspaceId,
      pipelineId: pipelineId ?? null,
      name: "reader",
      prefix: issued.prefix,
      hash: issued.hash,
      createdById: world.userId,
      scope: "read",
    },
  });
  return { token: issued.token, id: row.id, hash: issued.hash };
}

describe("views API", () => {
  let world: World;
  let other: World;
  let running: RunningEngine;
  let sinkDb: pg.Client;
  const table = uniqueName("views").replace(/-/g, "_");
  const prefix = uniqueName("views-test");
  let read: { token: string; id: string; hash: string };
  let ingestKey: { token: string; id: string };
  let pathKey: string;
  let pipelineId: string;

  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${running.http.url}${path}`, { headers: { ...(token ? { "x-api-key": token } : {}), ...headers } });

  beforeAll(async () => {
    world = await createWorld();
    other = await createWorld();
    sinkDb = await openSinkTable(
      table,
      "page text, window_start timestamptz, events bigint, PRIMARY KEY (page, window_start)",
    );
    // One engine serving both workspaces, as a shared runner does.
    running = await startEngine(world, {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      idlePartitionMs: 1000,
      workspaceIds: [world.workspaceId, other.workspaceId],
    });
    const pipeline = await createPipeline(world, "views");
    pipelineId = pipeline.id;
    ingestKey = await createApiKey(world);
    read = await createReadKey(world);
    pathKey = uniqueName("views").toLowerCase();
    const pgSecret = await createSecret(world, testServices.databaseUrl);
    const redisSecret = await createSecret(world, testServices.redisUrl);
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: ingestKey.id } },
        {
          id: "win",
          type: "window",
          config: {
            kind: "tumbling",
            size: "1m",
            watermarkDelay: "1s",
            allowedLateness: "0s",
            groupBy: [{ name: "page", expression: "event.props.page" }],
            aggregations: [{ name: "events", function: "count" }],
          },
        },
        {
          id: "counts",
          type: "postgres-sink",
          config: {
            connectionSecretId: pgSecret,
            table,
            mode: "upsert",
            keyColumns: ["page", "window_start"],
            columns: [
              { column: "page", expression: "event.page" },
              { column: "window_start", expression: "event.windowStart" },
              { column: "events", expression: "event.events" },
            ],
            viewName: "page-counts",
            viewOrderColumn: "window_start",
          },
        },
        {
          id: "board",
          type: "redis-sink",
          config: {
            connectionSecretId: redisSecret,
            mode: "sorted-set",
            keyTemplate: `${prefix}:trending:{windowStart}`,
            field: "event.page",
            value: "event.events",
            viewName: "trending",
          },
        },
        {
          id: "pages",
          type: "redis-sink",
          config: {
            connectionSecretId: redisSecret,
            mode: "counter",
            keyTemplate: `${prefix}:views:{page}`,
            value: "event.events",
            viewName: "page-total",
          },
        },
        {
          id: "windows",
          type: "redis-sink",
          config: {
            connectionSecretId: redisSecret,
            mode: "hash",
            keyTemplate: `${prefix}:windows:{page}`,
            field: "event.windowStart",
            value: "event.events",
            viewName: "page-windows",
          },
        },
      ],
      [
        ["ingest", "win"],
        ["win", "counts"],
        ["win", "board"],
        ["win", "pages"],
        ["win", "windows"],
      ],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const at = (minute: number, second: number) =>
      new Date(Date.parse("2026-03-01T10:00:00Z") + minute * 60_000 + second * 1000).toISOString();
    const event = (page: string, minute: number, second: number, i: number) => ({
      id: `v-${page}-${minute}-${i}`,
      type: "page_view",
      userId: `u${i}`,
      timestamp: at(minute, second),
      props: { page },
    });
    const events = [
      ...Array.from({ length: 5 }, (_, i) => event("/home", 0, i, i)),
      ...Array.from({ length: 2 }, (_, i) => event("/pricing", 0, 10 + i, i)),
      ...Array.from({ length: 3 }, (_, i) => event("/home", 1, i, i)),
      // Move every partition's watermark past minute 1: both windows fire (minute 5's does not).
      event("/home", 5, 0, 9),
      event("/pricing", 5, 0, 9),
    ];
    const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": ingestKey.token },
    });
    expect(res.status).toBe(202);
    await eventually(async () => expect((await sinkDb.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(3), {
      timeoutMs: 40_000,
    });
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    const keys = await world?.redis.keys(`${prefix}:*`);
    if (keys?.length) await world.redis.del(...keys);
    await closeSinkTable(sinkDb, table);
    await other?.close();
    await world?.close();
  });

  it("reads a window's latest result and older ones from a postgres-sink view", async () => {
    const latest = await get("/v1/views/page-counts?key=%2Fhome", read.token);
    expect(latest.status).toBe(200);
    expect(await latest.json()).toEqual({
      view: "page-counts",
      key: "/home",
      rows: [{ page: "/home", window_start: "2026-03-01T10:01:00.000Z", events: 3 }],
    });
    const both = await get("/v1/views/page-counts?key=%2Fhome&limit=5", read.token);
    expect(((await both.json()) as { rows: unknown[] }).rows).toEqual([
      { page: "/home", window_start: "2026-03-01T10:01:00.000Z", events: 3 },
      { page: "/home", window_start: "2026-03-01T10:00:00.000Z", events: 5 },
    ]);
    // The bearer form works too.
    const pricing = await get("/v1/views/page-counts?key=%2Fpricing", undefined, {
      authorization: `Bearer ${read.token}`,
    });
    expect(await pricing.json()).toMatchObject({ rows: [{ page: "/pricing", events: 2 }] });
  });

  it("reads leaderboards and counters from redis-sink views", async () => {
    const board = await get(
      `/v1/views/trending?key=${encodeURIComponent("2026-03-01T10:00:00.000Z")}&top=1`,
      read.token,
    );
    expect(board.status).toBe(200);
    expect(await board.json()).toEqual({
      view: "trending",
      key: "2026-03-01T10:00:00.000Z",
      top: [{ member: "/home", score: 5 }],
    });
    const full = await get(
      `/v1/views/trending?windowStart=${encodeURIComponent("2026-03-01T10:00:00.000Z")}`,
      read.token,
    );
    expect(((await full.json()) as { top: unknown[] }).top).toEqual([
      { member: "/home", score: 5 },
      { member: "/pricing", score: 2 },
    ]);
    const total = await get("/v1/views/page-total?key=%2Fhome", read.token);
    expect(await total.json()).toEqual({ view: "page-total", key: "/home", value: 8 });
    const hash = await get("/v1/views/page-windows?key=%2Fhome", read.token);
    expect(await hash.json()).toEqual({
      view: "page-windows",
      key: "/home",
      fields: { "2026-03-01T10:00:00.000Z": 5, "2026-03-01T10:01:00.000Z": 3 },
    });
    const field = await get(
      `/v1/views/page-windows?page=%2Fpricing&field=${encodeURIComponent("2026-03-01T10:00:00.000Z")}`,
      read.token,
    );
    expect(await field.json()).toEqual({
      view: "page-windows",
      key: "/pricing",
      field: "2026-03-01T10:00:00.000Z",
      value: 2,
    });
  });

  it("answers 404 for unknown views and keys, 400 for bad parameters", async () => {
    const cases: [string, number, string][] = [
      ["/v1/views/nope?key=x", 404, "not_found"],
      ["/v1/views/page-counts?key=%2Fmissing", 404, "not_found"],
      ["/v1/views/page-total?key=%2Fmissing", 404, "not_found"],
      ["/v1/views/page-counts", 400, "bad_request"],
      ["/v1/views/page-counts?key=%2Fhome&limit=0", 400, "bad_request"],
      ["/v1/views/page-counts?key=%2Fhome&limit=abc", 400, "bad_request"],
      ["/v1/views/page-counts?key=%2Fhome&where=1", 400, "bad_request"],
      ["/v1/views/trending?key=a&top=100000", 400, "bad_request"],
      ["/v1/views/page-windows?key=a&page=b", 400, "bad_request"],
      ["/v1/views/page-windows?key=%2Fhome&field=nope", 404, "not_found"],
    ];
    for (const [path, status, error] of cases) {
      const res = await get(path, read.token);
      expect({ path, status: res.status, body: await res.json() }).toMatchObject({ path, status, body: { error } });
    }
  });

  it("needs a read key: none, unknown, ingest keys and browser requests are refused", async () => {
    expect((await get("/v1/views/page-counts?key=%2Fhome")).status).toBe(401);
    expect((await get("/v1/views/page-counts?key=%2Fhome", issueToken("read").token)).status).toBe(401);
    const wrong = await get("/v1/views/page-counts?key=%2Fhome", ingestKey.token);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "wrong_scope" });
    expect(
      (await get("/v1/views/page-counts?key=%2Fhome", read.token, { origin: "https://shop.example.com" })).status,
    ).toBe(403);
    // A read key cannot ingest.
    const ingest = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify({ type: "x" }),
      headers: { "x-api-key": read.token },
    });
    expect(ingest.status).toBe(401);
  });

  it("serves a pipeline-scoped key only its pipeline's views", async () => {
    const own = await createReadKey(world, pipelineId);
    expect((await get("/v1/views/page-total?key=%2Fhome", own.token)).status).toBe(200);
    const elsewhere = await createPipeline(world, "elsewhere");
    const scoped = await createReadKey(world, elsewhere.id);
    expect((await get("/v1/views/page-total?key=%2Fhome", scoped.token)).status).toBe(404);
  });

  it("shows another workspace's views as not found", async () => {
    const issued = issueToken("read");
    await other.prisma.apiKey.create({
      data: {
        workspaceId: other.workspaceId,
        name: "other reader",
        prefix: issued.prefix,
        hash: issued.hash,
        createdById: other.userId,
        scope: "read",
      },
    });
    for (const view of ["page-counts", "trending", "page-total"]) {
      const res = await get(`/v1/views/${view}?key=%2Fhome`, issued.token);
      expect(res.status).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain('/home"');
    }
  });

  it("refuses a revoked key at once", async () => {
    const key = await createReadKey(world);
    expect((await get("/v1/views/page-total?key=%2Fhome", key.token)).status).toBe(200);
    await world.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await world.redis.publish(API_KEY_REVOKED_CHANNEL, key.hash);
    await eventually(async () => expect((await get("/v1/views/page-total?key=%2Fhome", key.token)).status).toBe(401), {
      timeoutMs: 2000,
    });
  });

  it("rate-limits per key with 429 and Retry-After, one budget across engine processes", async () => {
    // Two engines stand for two engine processes (or runners): 5 per second is 5 for both together.
    const limited = [
      await startEngine(world, { views: { ratePerKey: 5 }, workspaceIds: [world.workspaceId] }),
      await startEngine(world, { views: { ratePerKey: 5 }, workspaceIds: [world.workspaceId] }),
    ];
    const view = (engine: RunningEngine) =>
      fetch(`${engine.http.url}/v1/views/page-total?key=%2Fhome`, { headers: { "x-api-key": read.token } });
    try {
      for (const engine of limited)
        await eventually(async () => expect((await view(engine)).status).toBe(200), { timeoutMs: 30_000 });
      // A full bucket again.
      await new Promise((r) => setTimeout(r, 1100));
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => view(limited[i % 2]!)));
      const served = answers.filter((r) => r.status === 200).length;
      // Counted per process, each engine would serve 5 (10 in all); one more may refill while they arrive.
      expect(served).toBeGreaterThanOrEqual(5);
      expect(served).toBeLessThanOrEqual(7);
      expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
      const refused = answers.find((r) => r.status === 429)!;
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(await refused.json()).toMatchObject({ error: "rate_limited" });
    } finally {
      for (const engine of limited) await engine.stop();
    }
  });
});
