// GET /v1/views through the engine: a deployed pipeline's window results (postgres-sink upsert) and
// leaderboard (redis-sink sorted set) read back with a read API key; key scopes, bad parameters,
// revocation, and another workspace's key seeing nothing.
import { issueToken } from "@sluice/db";
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  createIngestPipeline,
  createPipeline,
  createSecret,
  deploy,
  type IngestPipeline,
  postIngest,
  type RunningEngine,
  testTopics,
  useSinkTable,
  useWorld,
  waitRunning,
} from "./engine-world";
import { graph, ingestNode, PAGE_COUNTS_COLUMNS, pageCountsView, trendingView } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("views API", () => {
  const sink = useSinkTable("views", PAGE_COUNTS_COLUMNS);
  const { table } = sink;
  const elsewhere = useWorld();
  const setup = useWorld();
  let running: RunningEngine;
  const prefix = uniqueName("views-test");
  let read: { token: string; id: string; hash: string };
  let ingest: IngestPipeline;

  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${running.http.url}${path}`, { headers: { ...(token ? { "x-api-key": token } : {}), ...headers } });

  beforeAll(async () => {
    const { world } = setup;
    // One engine serving both workspaces, as a shared runner does.
    running = await setup.start({
      topics: testTopics(2),
      idlePartitionMs: 1000,
      workspaceIds: [world.workspaceId, elsewhere.world.workspaceId],
    });
    ingest = await createIngestPipeline(world, "views");
    read = await createApiKey(world, undefined, "read");
    const pgSecret = await createSecret(world, testServices.databaseUrl);
    const redisSecret = await createSecret(world, testServices.redisUrl);
    const g = graph(
      [
        ingestNode(ingest),
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
        pageCountsView(pgSecret, table),
        trendingView(redisSecret, `${prefix}:trending:{windowStart}`),
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
    const { deploymentId } = await deploy(world, ingest.pipeline.id, g);
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
    const res = await postIngest(running, ingest, events);
    expect(res.status).toBe(202);
    await eventually(async () => expect((await sink.db.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(3), {
      timeoutMs: 40_000,
    });
  }, 90_000);

  afterAll(async () => {
    const keys = await setup.world?.redis.keys(`${prefix}:*`);
    if (keys?.length) await setup.world.redis.del(...keys);
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
    const wrong = await get("/v1/views/page-counts?key=%2Fhome", ingest.key.token);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "wrong_scope" });
    expect(
      (await get("/v1/views/page-counts?key=%2Fhome", read.token, { origin: "https://shop.example.com" })).status,
    ).toBe(403);
    // A read key cannot ingest.
    const refused = await postIngest(running, { pathKey: ingest.pathKey, key: read }, { type: "x" });
    expect(refused.status).toBe(401);
  });

  it("serves a pipeline-scoped key only its pipeline's views", async () => {
    const { world } = setup;
    const own = await createApiKey(world, ingest.pipeline.id, "read");
    expect((await get("/v1/views/page-total?key=%2Fhome", own.token)).status).toBe(200);
    const other = await createPipeline(world, "elsewhere");
    const scoped = await createApiKey(world, other.id, "read");
    expect((await get("/v1/views/page-total?key=%2Fhome", scoped.token)).status).toBe(404);
  });

  it("shows another workspace's views as not found", async () => {
    const other = await createApiKey(elsewhere.world, undefined, "read");
    for (const view of ["page-counts", "trending", "page-total"]) {
      const res = await get(`/v1/views/${view}?key=%2Fhome`, other.token);
      expect(res.status).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain('/home"');
    }
  });

  it("refuses a revoked key at once", async () => {
    const { world } = setup;
    const key = await createApiKey(world, undefined, "read");
    expect((await get("/v1/views/page-total?key=%2Fhome", key.token)).status).toBe(200);
    await world.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await world.redis.publish(API_KEY_REVOKED_CHANNEL, key.hash);
    await eventually(async () => expect((await get("/v1/views/page-total?key=%2Fhome", key.token)).status).toBe(401), {
      timeoutMs: 2000,
    });
  });

  it("rate-limits per key with 429 and Retry-After, one budget across engine processes", async () => {
    const { world } = setup;
    // Two engines stand for two engine processes (or runners): 5 per second is 5 for both together.
    const limited = [
      await setup.start({ views: { ratePerKey: 5 }, workspaceIds: [world.workspaceId] }),
      await setup.start({ views: { ratePerKey: 5 }, workspaceIds: [world.workspaceId] }),
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
      for (const engine of limited) await setup.stop(engine);
    }
  });

  it("serves a view of a deploy the engine was never told about, without waiting for its next pass", async () => {
    const { world } = setup;
    // Its own timer would not find the deploy during this test; the running engine above runs it too.
    const quiet = await setup.start({ reconcileIntervalMs: 600_000, workspaceIds: [world.workspaceId] });
    try {
      const other = await createIngestPipeline(world, "views-late");
      const pgSecret = await createSecret(world, testServices.databaseUrl);
      const view = pageCountsView(pgSecret, table);
      const counts = { ...view, config: { ...view.config, viewName: "late-counts" } };
      await deploy(
        world,
        other.pipeline.id,
        graph(
          [
            ingestNode(other),
            {
              id: "win",
              type: "window",
              config: {
                kind: "tumbling",
                size: "1m",
                groupBy: [{ name: "page", expression: "event.props.page" }],
                aggregations: [{ name: "events", function: "count" }],
              },
            },
            counts,
          ],
          [
            ["ingest", "win"],
            ["win", "counts"],
          ],
        ),
        { announce: false },
      );
      // Found (so the parameters are checked: `key` is required), not 404.
      const res = await fetch(`${quiet.http.url}/v1/views/late-counts`, { headers: { "x-api-key": read.token } });
      expect(await res.json()).toMatchObject({ error: "bad_request" });
      expect(res.status).toBe(400);
      const unknown = await fetch(`${quiet.http.url}/v1/views/never-deployed`, {
        headers: { "x-api-key": read.token },
      });
      expect(unknown.status).toBe(404);
    } finally {
      await setup.stop(quiet);
    }
  });
});
