// Hostile ingest bodies against the real runner route: every one gets 202 (its bad events rejected
// one by one, with a reason) or a 4xx with a reason, never a 5xx; and the deployed pipeline
// (ingest -> dedup by id -> Postgres) keeps processing: exactly the valid events land, once each,
// prototype-named ids included (their repeats, sent with the same user so they share a partition,
// are dropped), and a row Postgres refuses is dead-lettered alone at the sink.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@sluice/db";
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
  readAll,
  type RunningEngine,
  startEngine,
  waitRunning,
  type World,
} from "./engine-world";
import { graph, ingestToPostgres } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

type Case = {
  name: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  path?: string;
  /** 202 with these counts, or the 4xx status. */
  expect: { status: 202; accepted: number; rejected: number } | { status: 400 | 401 | 413 };
  /** Ids of the events this body carries that must reach the sink (once). */
  lands?: string[];
};

const nested = (depth: number, leaf = "1") => `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
const ok = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: "click", userId: "u-1", ...extra });
const json = (value: unknown) => JSON.stringify(value);

function hostileCases(): Case[] {
  const farFuture = [
    "9999-12-31T23:59:59Z",
    8_640_000_000_000_001,
    Date.now() + 2 * 86_400_000,
    "+275760-09-13T00:00:00.000Z",
  ];
  return [
    { name: "5,000-deep nested array", body: `${"[".repeat(5000)}${"]".repeat(5000)}`, expect: { status: 400 } },
    {
      name: "5,000-deep nested props",
      body: `{"type":"x","userId":"u","props":${nested(5000)}}`,
      expect: { status: 400 },
    },
    { name: "100,000-deep nested object in an array", body: `[${nested(100_000)}]`, expect: { status: 400 } },
    {
      name: "65 levels in props (one over the limit)",
      body: `{"id":"deep-65","type":"x","userId":"u","props":${nested(64)}}`,
      expect: { status: 400 },
    },
    {
      name: "60 levels in props (within the limit)",
      body: `{"id":"deep-60","type":"x","userId":"u","props":${nested(60)}}`,
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["deep-60"],
    },
    { name: "empty body", body: "", expect: { status: 400 } },
    { name: "whitespace only", body: " \n\t\r\n ", expect: { status: 400 } },
    { name: "JSON null", body: "null", expect: { status: 400 } },
    { name: "a bare number", body: "42", expect: { status: 400 } },
    { name: "a bare string", body: '"click"', expect: { status: 400 } },
    { name: "batch that is not a list", body: '{"batch":{"type":"x"}}', expect: { status: 400 } },
    { name: "an empty object", body: "{}", expect: { status: 202, accepted: 0, rejected: 1 } },
    { name: "an empty list", body: "[]", expect: { status: 202, accepted: 0, rejected: 0 } },
    { name: "truncated JSON", body: '[{"id":"t-1","type":"click","userId":"u"}, {"id":', expect: { status: 400 } },
    {
      name: "NDJSON with a broken line",
      body: `${json(ok("nd-broken-1"))}\n{"type":\n${json(ok("nd-broken-2"))}`,
      expect: { status: 400 },
    },
    {
      name: "NDJSON with blank lines and CRLF",
      body: `\r\n${json(ok("nd-1"))}\r\n\r\n${json(ok("nd-2"))}\r\n`,
      expect: { status: 202, accepted: 2, rejected: 0 },
      lands: ["nd-1", "nd-2"],
    },
    { name: "NDJSON of non-objects", body: '1\n2\n"x"', expect: { status: 202, accepted: 0, rejected: 3 } },
    ...farFuture.map(
      (timestamp, i): Case => ({
        name: `event time ${String(timestamp)}`,
        body: json([ok(`future-${i}`, { timestamp }), ok(`future-ok-${i}`)]),
        expect: { status: 202, accepted: 1, rejected: 1 },
        lands: [`future-ok-${i}`],
      }),
    ),
    {
      name: "event time before 2000",
      body: json([ok("past-1", { timestamp: "1999-12-31T23:59:59Z" }), ok("past-2", { timestamp: 0 })]),
      expect: { status: 202, accepted: 0, rejected: 2 },
    },
    {
      name: "negative and fractional epoch times",
      body: json([ok("neg", { timestamp: -1 }), ok("frac", { timestamp: 1.5 })]),
      expect: { status: 202, accepted: 0, rejected: 2 },
    },
    {
      name: "a lone high surrogate in userId",
      body: '[{"id":"sur-1","type":"click","userId":"u\\ud800"}]',
      expect: { status: 202, accepted: 0, rejected: 1 },
    },
    {
      name: "a lone low surrogate in a key",
      body: '[{"id":"sur-2","type":"click","userId":"u","props":{"k\\udc00":1}}]',
      expect: { status: 202, accepted: 0, rejected: 1 },
    },
    {
      name: "a surrogate pair (emoji) is fine",
      body: '[{"id":"emoji-1","type":"click","userId":"u","props":{"face":"\\ud83d\\ude00"}}]',
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["emoji-1"],
    },
    {
      name: "bytes that are not UTF-8",
      body: Buffer.concat([
        Buffer.from('[{"id":"bin","type":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('","userId":"u"}]'),
      ]),
      expect: { status: 400 },
    },
    {
      name: "a byte-order mark",
      body: `\ufeff${json([ok("bom-1")])}`,
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["bom-1"],
    },
    {
      name: "prototype-named ids, users and props",
      body: json(
        ["__proto__", "constructor", "toString"].map((id) => ({
          id,
          type: id,
          userId: id,
          props: JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":1}}`) as unknown,
        })),
      ),
      expect: { status: 202, accepted: 3, rejected: 0 },
      lands: ["__proto__", "constructor", "toString"],
    },
    {
      name: "the same prototype-named ids again (duplicates: dedup drops them)",
      body: json(["__proto__", "constructor", "toString"].map((id) => ok(id, { userId: id }))),
      expect: { status: 202, accepted: 3, rejected: 0 },
    },
    {
      name: "__proto__ at the top of an event",
      body: '{"__proto__":{"type":"x","userId":"u"}}',
      expect: { status: 202, accepted: 0, rejected: 1 },
    },
    {
      name: "a number too large for a double",
      body: '[{"id":"huge-1","type":"click","userId":"u","props":{"n":1e400}}]',
      expect: { status: 202, accepted: 0, rejected: 1 },
    },
    {
      name: "an integer beyond 2^53",
      body: '[{"id":"big-1","type":"click","userId":"u","props":{"n":123456789012345678901234567890}}]',
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["big-1"],
    },
    {
      name: "a type of 10,000 characters",
      body: json([{ id: "long-1", type: "x".repeat(10_000), userId: "u" }]),
      expect: { status: 202, accepted: 0, rejected: 1 },
    },
    {
      name: "duplicate keys in one object (last wins)",
      body: '[{"id":"dupkey-1","type":"a","type":"b","userId":"u"}]',
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["dupkey-1"],
    },
    {
      name: "a NUL character (accepted; Postgres refuses it at the sink)",
      body: json([ok("nul-1", { type: "nul\u0000type" }), ok("nul-neighbour")]),
      expect: { status: 202, accepted: 2, rejected: 0 },
      lands: ["nul-neighbour"],
    },
    {
      name: "mixed good and bad items in one array",
      body: json([
        ok("mix-1"),
        1,
        null,
        "x",
        { type: "", userId: "u" },
        { type: "click" },
        ok("mix-2", { timestamp: "9999-01-01T00:00:00Z" }),
        ok("mix-3"),
      ]),
      expect: { status: 202, accepted: 2, rejected: 6 },
      lands: ["mix-1", "mix-3"],
    },
    {
      name: "JSON sent as text/plain",
      body: json([ok("plain-1")]),
      headers: { "content-type": "text/plain" },
      expect: { status: 202, accepted: 1, rejected: 0 },
      lands: ["plain-1"],
    },
    {
      name: "a form-encoded body",
      body: "type=click&userId=u",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      expect: { status: 400 },
    },
    {
      name: "XML",
      body: "<event><type>click</type></event>",
      headers: { "content-type": "application/xml" },
      expect: { status: 400 },
    },
    {
      name: "more than the node's maxBodyBytes",
      body: json([ok("big-body", { props: { pad: "x".repeat(1_100_000) } })]),
      expect: { status: 413 },
    },
    {
      name: "more events than maxBatch",
      body: json(Array.from({ length: 501 }, (_, i) => ok(`over-${i}`))),
      expect: { status: 413 },
    },
    {
      name: "a wrong API key",
      body: json([ok("wrong-key")]),
      headers: { "x-api-key": "slk_wrong" },
      expect: { status: 401 },
    },
    { name: "no API key", body: json([ok("no-key")]), headers: { "x-api-key": "" }, expect: { status: 401 } },
    { name: "an unknown path key", body: json([ok("no-path")]), path: "no-such-endpoint", expect: { status: 401 } },
  ];
}

describe("engine: hostile ingest bodies", () => {
  let world: World;
  let running: RunningEngine;
  let sinkDb: pg.Client;
  let key: { token: string; id: string };
  let pipelineId: string;
  const table = uniqueName("hostile").replace(/-/g, "_");
  const pathKey = uniqueName("hostile").toLowerCase();

  beforeAll(async () => {
    world = await createWorld();
    // No key on event_id: a duplicate dedup let through would show as a second row.
    sinkDb = await openSinkTable(
      table,
      "row_id serial PRIMARY KEY, event_id text NOT NULL, event_type text NOT NULL, user_id text",
    );
    const secretId = await createSecret(world, testServices.databaseUrl);
    const pipeline = await createPipeline(world, "hostile-ingest");
    pipelineId = pipeline.id;
    key = await createApiKey(world, pipelineId);
    running = await startEngine(world, {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
    });
    const { deploymentId } = await deploy(
      world,
      pipelineId,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
          {
            id: "sink",
            type: "postgres-sink",
            config: {
              connectionSecretId: secretId,
              table,
              mode: "insert",
              keyColumns: [],
              columns: [
                { column: "event_id", expression: "event.id" },
                { column: "event_type", expression: "event.type" },
                { column: "user_id", expression: "event.userId" },
              ],
            },
          },
        ],
        [
          ["ingest", "dedup"],
          ["dedup", "sink"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
  });

  afterAll(async () => {
    await running?.stop();
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  it("answers each with 202 or a 4xx with a reason (never 5xx), and processes exactly the valid events", async () => {
    const cases = hostileCases();
    expect(cases.length).toBeGreaterThanOrEqual(30);
    let rejectedTotal = 0;
    const landing: string[] = [];
    for (const c of cases) {
      const response = await fetch(`${running.http.url}/v1/ingest/${c.path ?? pathKey}`, {
        method: "POST",
        body: c.body,
        headers: { "content-type": "application/json", "x-api-key": key.token, ...c.headers },
      });
      const text = await response.text();
      const answer = { name: c.name, status: response.status, body: text.slice(0, 300) };
      expect(answer.status, JSON.stringify(answer)).toBe(c.expect.status);
      const parsed = JSON.parse(text) as {
        message?: string;
        accepted?: number;
        rejected?: number;
        errors?: { index: number; message: string }[];
      };
      if (c.expect.status === 202) {
        expect({ name: c.name, accepted: parsed.accepted, rejected: parsed.rejected }).toEqual({
          name: c.name,
          accepted: c.expect.accepted,
          rejected: c.expect.rejected,
        });
        expect(
          parsed.errors?.every((e) => e.message.length > 0),
          c.name,
        ).toBe(true);
        rejectedTotal += c.expect.rejected;
        landing.push(...(c.lands ?? []));
      } else {
        expect(parsed.message, c.name).toMatch(/\S/);
      }
    }

    // A well-behaved client afterwards.
    const after = Array.from({ length: 50 }, (_, i) => ok(`after-${i}`, { userId: `u-${i % 4}` }));
    const last = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: json(after),
      headers: { "x-api-key": key.token },
    });
    expect(last.status).toBe(202);
    landing.push(...after.map((e) => e.id));

    await eventually(
      async () => {
        const rows = await sinkDb.query<{ event_id: string }>(`SELECT event_id FROM ${table} ORDER BY event_id`);
        expect(rows.rows.map((r) => r.event_id)).toEqual([...landing].sort());
      },
      { timeoutMs: 45_000 },
    );

    // Every rejected item is in the ingest node's dead-letter topic; at the sink only the NUL row.
    const ingestDead = await readAll(world, `sluice.${world.workspaceId}.${pipelineId}.ingest.dlq`, rejectedTotal);
    expect(ingestDead).toHaveLength(rejectedTotal);
    const sinkDead = await readAll(world, `sluice.${world.workspaceId}.${pipelineId}.sink.dlq`, 1);
    expect(sinkDead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id)).toEqual(["nul-1"]);
    // The rows are settled: nothing arrives late (exact counts, no duplicates).
    await new Promise((r) => setTimeout(r, 1500));
    expect((await sinkDb.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(landing.length);
  }, 120_000);
});

describe("engine: ingest rate limit per API key, and what unknown keys cost", () => {
  let world: World;
  let running: RunningEngine;
  // A second engine, standing for another engine process (or runner) of the deployment.
  let second: RunningEngine;
  let sinkDb: pg.Client;
  let pathKey: string;
  let token: string;
  const table = uniqueName("rate").replace(/-/g, "_");
  // The engine's real client, observed: how often ingest looks an API key up in Postgres.
  let keyLookups = 0;

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(table, "event_id text PRIMARY KEY, event_type text");
    const observed = world.prisma.$extends({
      query: {
        apiKey: {
          findFirst({ args, query }) {
            keyLookups++;
            return query(args);
          },
        },
      },
    }) as unknown as PrismaClient;
    const settings = {
      topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
      ingest: { ratePerKey: 5, eventTimeWindow: { notBeforeMs: Date.UTC(2000, 0, 1), maxFutureMs: 86_400_000 } },
    };
    running = await startEngine(world, settings, observed);
    second = await startEngine(world, settings);
    const pipeline = await createPipeline(world, "rate");
    const key = await createApiKey(world);
    token = key.token;
    pathKey = uniqueName("rate").toLowerCase();
    const sink = ingestToPostgres(pathKey, key.id, await createSecret(world, testServices.databaseUrl));
    sink.nodes[1]!.config["table"] = table;
    const { deploymentId } = await deploy(world, pipeline.id, sink);
    await waitRunning(world, deploymentId);
    // The row says running once one engine runs it: both must serve the path.
    await eventually(() =>
      expect(
        [running, second].every((e) => e.engine.reconciler.running().some((d) => d.spec.deploymentId === deploymentId)),
      ).toBe(true),
    );
  });

  afterAll(async () => {
    await second?.stop();
    await running?.stop();
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  const post = (apiKey: string, path = pathKey, engine = running) =>
    fetch(`${engine.http.url}/v1/ingest/${path}`, {
      method: "POST",
      body: json([ok(randomUUID())]),
      headers: { "x-api-key": apiKey },
    });

  it("costs no key query per made-up key or unknown path: 401 for all of them", async () => {
    expect((await post(token)).status).toBe(202);
    // The observer sees the endpoint's key being loaded for that first request.
    expect(keyLookups).toBeGreaterThanOrEqual(1);
    keyLookups = 0;
    const started = Date.now();
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all([
        ...Array.from({ length: 30 }, () => post(`slk_${randomUUID()}`)),
        ...Array.from({ length: 10 }, () => post(`slk_${randomUUID()}`, uniqueName("nowhere").toLowerCase())),
      ]);
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 401));
    }
    const seconds = Math.ceil((Date.now() - started) / 1000);
    // 400 refusals; at most the endpoint's own key row is reloaded once per second (its cache time).
    expect(keyLookups).toBeLessThanOrEqual(seconds + 1);
    await new Promise((r) => setTimeout(r, 1100));
  });

  it("answers 429 + Retry-After past the bucket shared by both engines, and accepts again after the wait; a made-up key gets 401", async () => {
    // Half of the requests to each engine: counted per process, 10 would be accepted.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(token, pathKey, i % 2 === 0 ? running : second)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 202).length).toBeLessThan(10);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(10);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited[0]!.json()) as { error: string }).error).toBe("rate_limited");
    // Buckets belong to authenticated keys: a made-up one is refused before any bucket.
    expect((await post("slk_made-up")).status).toBe(401);
    await new Promise((r) => setTimeout(r, Number(limited[0]!.headers.get("retry-after")) * 1000));
    expect((await post(token, pathKey, second)).status).toBe(202);
  });
});
