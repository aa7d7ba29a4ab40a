// The JS SDK (packages/sdk) from Node against the real runner: events tracked with track/identify/page
// land in a Postgres sink exactly once; a client that starts while the ingest endpoint is down keeps
// its events and delivers them when it comes up, and gives up on a request nobody answers; a wrong key is
// reported and not retried.
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSdk } from "../../../packages/sdk/build";
import { createClient } from "../../../packages/sdk/src/index";
import { startHttpServer } from "../src/http/server";
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
import { eventually, testLogger, testServices, uniqueName } from "./services";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("JS SDK against the runner's ingest", () => {
  let world: World;
  let running: RunningEngine;
  let sinkDb: pg.Client;
  let key: { token: string; id: string };
  let publishable: { token: string; id: string };
  const table = uniqueName("sdk").replace(/-/g, "_");
  const pathKey = uniqueName("sdk").toLowerCase();
  const browserPath = uniqueName("browser").toLowerCase();
  const shop = "https://shop.example.com";

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(
      table,
      "event_id text PRIMARY KEY, event_type text NOT NULL, user_id text, anonymous_id text, session_id text, amount double precision",
    );
    const secretId = await createSecret(world, testServices.databaseUrl);
    const pipeline = await createPipeline(world, "sdk");
    key = await createApiKey(world, pipeline.id);
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
    const sinkGraph = (path: string, apiKeyId: string) =>
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey: path, apiKeyId } },
          postgresSinkNode({
            connectionSecretId: secretId,
            table,
            mode: "upsert",
            keyColumns: ["event_id"],
            columns: {
              event_id: "event.id",
              event_type: "event.type",
              user_id: "event.userId",
              anonymous_id: "event.anonymousId",
              session_id: "event.sessionId",
              amount: "has(event.props.amount) ? double(event.props.amount) : 0.0",
            },
          }),
        ],
        [["ingest", "sink"]],
      );
    const { deploymentId } = await deploy(world, pipeline.id, sinkGraph(pathKey, key.id));
    // A second endpoint for web pages, with a publishable key that allows one origin.
    const browserPipeline = await createPipeline(world, "sdk-browser");
    publishable = await createApiKey(world, browserPipeline.id);
    await world.prisma.apiKey.update({
      where: { id: publishable.id },
      data: { publishable: true, allowedOrigins: [shop] },
    });
    const browser = await deploy(world, browserPipeline.id, sinkGraph(browserPath, publishable.id));
    await waitRunning(world, browser.deploymentId);
    await buildSdk({ declarations: false });
    await waitRunning(world, deploymentId);
  });

  afterAll(async () => {
    await running?.stop();
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  const rows = async () =>
    (
      await sinkDb.query<{
        event_id: string;
        event_type: string;
        user_id: string | null;
        anonymous_id: string;
        session_id: string;
        amount: number;
      }>(`SELECT * FROM ${table}`)
    ).rows;

  it("delivers track, identify and page events in batches, each exactly once", async () => {
    const errors: Error[] = [];
    const client = createClient({
      endpoint: `${running.http.url}/v1/ingest/${pathKey}`,
      key: key.token,
      maxBatchEvents: 7,
      onError: (e) => errors.push(e),
    });
    client.page({ path: "/pricing" });
    for (let i = 0; i < 40; i++) client.track("add_to_cart", { amount: i });
    client.identify("user-42", { plan: "pro" });
    client.track("purchase", { amount: 99 });
    await client.close();
    expect(errors).toEqual([]);
    expect(client.stats()).toEqual({ sent: 43, failed: 0, dropped: 0, queued: 0 });

    const landed = await eventually(
      async () => {
        const r = await rows();
        expect(r).toHaveLength(43);
        return r;
      },
      { timeoutMs: 30_000 },
    );
    const byType = (t: string) => landed.filter((r) => r.event_type === t);
    expect(
      byType("add_to_cart")
        .map((r) => r.amount)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(byType("page_view")).toHaveLength(1);
    // Events before identify are anonymous; identify and later ones carry the user id. One device, one session.
    expect(byType("identify")[0]?.user_id).toBe("user-42");
    expect(byType("purchase")[0]).toMatchObject({ user_id: "user-42", amount: 99 });
    expect(byType("add_to_cart").every((r) => r.user_id === null)).toBe(true);
    expect(new Set(landed.map((r) => r.anonymous_id)).size).toBe(1);
    expect(new Set(landed.map((r) => r.session_id)).size).toBe(1);
  });

  it("keeps events while the endpoint is unreachable and delivers them once it is up", async () => {
    await sinkDb.query(`TRUNCATE ${table}`);
    const port = await freePort();
    const client = createClient({
      endpoint: `http://127.0.0.1:${port}/v1/ingest/${pathKey}`,
      key: key.token,
      retryBaseMs: 50,
      retryMaxMs: 400,
    });
    for (let i = 0; i < 25; i++) client.track("click", { amount: i });
    await client.flush(); // connection refused: kept for a retry
    expect(client.stats()).toMatchObject({ sent: 0, queued: 25 });

    // The same runner engine comes up on that address.
    const late = await startHttpServer({ host: "127.0.0.1", port, routes: running.engine.routes, log: testLogger });
    try {
      await eventually(() => expect(client.stats()).toMatchObject({ sent: 25, queued: 0, failed: 0 }), {
        timeoutMs: 20_000,
      });
      await eventually(async () => expect(await rows()).toHaveLength(25), { timeoutMs: 30_000 });
    } finally {
      await client.close();
      await late.close(100);
    }
  });

  it("gives up on a request nobody answers and delivers its batch with the next one", async () => {
    await sinkDb.query(`TRUNCATE ${table}`);
    // In front of the runner, something that holds its first connection without ever answering (as an
    // engine process killed right after the supervisor handed it the connection does) and passes the
    // later ones through.
    const engine = new URL(running.http.url);
    const held: Socket[] = [];
    const front = createServer((socket) => {
      if (held.length === 0) {
        held.push(socket);
        socket.resume();
        return;
      }
      const upstream = connect(Number(engine.port), engine.hostname);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const client = createClient({
      endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}/v1/ingest/${pathKey}`,
      key: key.token,
      requestTimeoutMs: 500,
      retryBaseMs: 50,
      retryMaxMs: 200,
    });
    try {
      for (let i = 0; i < 10; i++) client.track("click", { amount: i });
      await client.flush(); // unanswered: abandoned after 500 ms, kept for a retry
      expect(held).toHaveLength(1);
      expect(client.stats()).toMatchObject({ sent: 0, queued: 10 });
      await eventually(() => expect(client.stats()).toMatchObject({ sent: 10, queued: 0, failed: 0 }), {
        timeoutMs: 10_000,
      });
      await eventually(async () => expect(await rows()).toHaveLength(10), { timeoutMs: 30_000 });
    } finally {
      await client.close();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });

  it("reports a wrong key once and drops the batch instead of retrying it", async () => {
    const errors: Error[] = [];
    const client = createClient({
      endpoint: `${running.http.url}/v1/ingest/${pathKey}`,
      key: "slk_wrong",
      retryBaseMs: 10,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 5; i++) client.track("click");
    await client.close();
    expect(client.stats()).toEqual({ sent: 0, failed: 5, dropped: 0, queued: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/401/);
  });

  it("serves browsers only with a publishable key from an allowed origin (CORS, beacons)", async () => {
    await sinkDb.query(`TRUNCATE ${table}`);
    const url = `${running.http.url}/v1/ingest/${browserPath}`;
    const event = (id: string) => JSON.stringify([{ id, type: "click", anonymousId: "a-1", sessionId: "s-1" }]);
    const preflight = (origin: string) =>
      fetch(url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-api-key",
        },
      });

    const allowed = await preflight(shop);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("x-api-key");
    const refused = await preflight("https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    const fromShop = await fetch(url, {
      method: "POST",
      body: event("b-1"),
      headers: { origin: shop, "content-type": "application/json", "x-api-key": publishable.token },
    });
    expect(fromShop.status).toBe(202);
    expect(fromShop.headers.get("access-control-allow-origin")).toBe(shop);
    // A beacon: text/plain, the key in the query string.
    const beacon = await fetch(`${url}?key=${publishable.token}`, {
      method: "POST",
      body: event("b-2"),
      headers: { origin: shop, "content-type": "text/plain;charset=UTF-8" },
    });
    expect(beacon.status).toBe(202);

    const elsewhere = await fetch(url, {
      method: "POST",
      body: event("b-3"),
      headers: { origin: "https://evil.example", "x-api-key": publishable.token },
    });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ error: "forbidden_origin" });
    // Server keys never from browsers, and never in a URL.
    const serverKeyFromBrowser = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: event("b-4"),
      headers: { origin: shop, "x-api-key": key.token },
    });
    expect(serverKeyFromBrowser.status).toBe(403);
    expect(await serverKeyFromBrowser.json()).toMatchObject({
      message: expect.stringContaining("publishable") as unknown,
    });
    const serverKeyInUrl = await fetch(`${running.http.url}/v1/ingest/${pathKey}?key=${key.token}`, {
      method: "POST",
      body: event("b-5"),
    });
    expect(serverKeyInUrl.status).toBe(400);

    await eventually(async () => expect((await rows()).map((r) => r.event_id).sort()).toEqual(["b-1", "b-2"]), {
      timeoutMs: 30_000,
    });

    const script = await fetch(`${running.http.url}/sdk/v1/sluice.min.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("var Sluice=");
  });
});
