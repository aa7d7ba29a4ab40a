// Hostile ingest bodies against the real runner route: every one gets 202 (its bad events rejected
// one by one, with a reason) or a 4xx with a reason, never a 5xx; and the deployed pipeline
// (ingest -> dedup by id -> Postgres) keeps processing: exactly the valid events land, once each,
// prototype-named ids included (their repeats, sent with the same user so they share a partition,
// are dropped), and a row Postgres refuses is dead-lettered alone at the sink.
import { randomUUID } from "node:crypto";
import type { ControlDb } from "../src/services/control-db";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createIngestPipeline,
  createSecret,
  deploy,
  type IngestPipeline,
  postIngest,
  readAll,
  type RunningEngine,
  testTopics,
  useEngineWorld,
  useSinkTable,
  useWorld,
  waitRunning,
} from "./engine-world";
import { graph, ingestNode, ingestToPostgres, postgresSinkNode } from "./graphs";
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
/** A body answered 202 with `[accepted, rejected]` events. */
const accepts = (
  name: string,
  body: Case["body"],
  [accepted, rejected]: [number, number],
  more: Pick<Case, "lands" | "headers"> = {},
): Case => ({ name, body, expect: { status: 202, accepted, rejected }, ...more });
/** A body refused with `status` (default 400). */
const refuses = (
  name: string,
  body: Case["body"],
  status: 400 | 401 | 413 = 400,
  more: Pick<Case, "headers" | "path"> = {},
): Case => ({ name, body, expect: { status }, ...more });

function hostileCases(): Case[] {
  const farFuture = [
    "9999-12-31T23:59:59Z",
    8_640_000_000_000_001,
    Date.now() + 2 * 86_400_000,
    "+275760-09-13T00:00:00.000Z",
  ];
  const prototypeNames = ["__proto__", "constructor", "toString"];
  return [
    refuses("5,000-deep nested array", `${"[".repeat(5000)}${"]".repeat(5000)}`),
    refuses("5,000-deep nested props", `{"type":"x","userId":"u","props":${nested(5000)}}`),
    refuses("100,000-deep nested object in an array", `[${nested(100_000)}]`),
    refuses(
      "65 levels in props (one over the limit)",
      `{"id":"deep-65","type":"x","userId":"u","props":${nested(64)}}`,
    ),
    accepts(
      "60 levels in props (within the limit)",
      `{"id":"deep-60","type":"x","userId":"u","props":${nested(60)}}`,
      [1, 0],
      { lands: ["deep-60"] },
    ),
    refuses("empty body", ""),
    refuses("whitespace only", " \n\t\r\n "),
    refuses("JSON null", "null"),
    refuses("a bare number", "42"),
    refuses("a bare string", '"click"'),
    refuses("batch that is not a list", '{"batch":{"type":"x"}}'),
    accepts("an empty object", "{}", [0, 1]),
    accepts("an empty list", "[]", [0, 0]),
    refuses("truncated JSON", '[{"id":"t-1","type":"click","userId":"u"}, {"id":'),
    refuses("NDJSON with a broken line", `${json(ok("nd-broken-1"))}\n{"type":\n${json(ok("nd-broken-2"))}`),
    accepts("NDJSON with blank lines and CRLF", `\r\n${json(ok("nd-1"))}\r\n\r\n${json(ok("nd-2"))}\r\n`, [2, 0], {
      lands: ["nd-1", "nd-2"],
    }),
    accepts("NDJSON of non-objects", '1\n2\n"x"', [0, 3]),
    ...farFuture.map((timestamp, i) =>
      accepts(
        `event time ${String(timestamp)}`,
        json([ok(`future-${i}`, { timestamp }), ok(`future-ok-${i}`)]),
        [1, 1],
        {
          lands: [`future-ok-${i}`],
        },
      ),
    ),
    accepts(
      "event time before 2000",
      json([ok("past-1", { timestamp: "1999-12-31T23:59:59Z" }), ok("past-2", { timestamp: 0 })]),
      [0, 2],
    ),
    accepts(
      "negative and fractional epoch times",
      json([ok("neg", { timestamp: -1 }), ok("frac", { timestamp: 1.5 })]),
      [0, 2],
    ),
    accepts("a lone high surrogate in userId", '[{"id":"sur-1","type":"click","userId":"u\\ud800"}]', [0, 1]),
    accepts(
      "a lone low surrogate in a key",
      '[{"id":"sur-2","type":"click","userId":"u","props":{"k\\udc00":1}}]',
      [0, 1],
    ),
    accepts(
      "a surrogate pair (emoji) is fine",
      '[{"id":"emoji-1","type":"click","userId":"u","props":{"face":"\\ud83d\\ude00"}}]',
      [1, 0],
      { lands: ["emoji-1"] },
    ),
    refuses(
      "bytes that are not UTF-8",
      Buffer.concat([
        Buffer.from('[{"id":"bin","type":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('","userId":"u"}]'),
      ]),
    ),
    accepts("a byte-order mark", `\ufeff${json([ok("bom-1")])}`, [1, 0], { lands: ["bom-1"] }),
    accepts(
      "prototype-named ids, users and props",
      json(
        prototypeNames.map((id) => ({
          id,
          type: id,
          userId: id,
          props: JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":1}}`) as unknown,
        })),
      ),
      [3, 0],
      { lands: prototypeNames },
    ),
    accepts(
      "the same prototype-named ids again (duplicates: dedup drops them)",
      json(prototypeNames.map((id) => ok(id, { userId: id }))),
      [3, 0],
    ),
    accepts("__proto__ at the top of an event", '{"__proto__":{"type":"x","userId":"u"}}', [0, 1]),
    accepts(
      "a number too large for a double",
      '[{"id":"huge-1","type":"click","userId":"u","props":{"n":1e400}}]',
      [0, 1],
    ),
    accepts(
      "an integer beyond 2^53",
      '[{"id":"big-1","type":"click","userId":"u","props":{"n":123456789012345678901234567890}}]',
      [1, 0],
      { lands: ["big-1"] },
    ),
    accepts("a type of 10,000 characters", json([{ id: "long-1", type: "x".repeat(10_000), userId: "u" }]), [0, 1]),
    accepts(
      "duplicate keys in one object (last wins)",
      '[{"id":"dupkey-1","type":"a","type":"b","userId":"u"}]',
      [1, 0],
      {
        lands: ["dupkey-1"],
      },
    ),
    accepts(
      "a NUL character (accepted; Postgres refuses it at the sink)",
      json([ok("nul-1", { type: "nul\u0000type" }), ok("nul-neighbour")]),
      [2, 0],
      { lands: ["nul-neighbour"] },
    ),
    accepts(
      "mixed good and bad items in one array",
      json([
        ok("mix-1"),
        1,
        null,
        "x",
        { type: "", userId: "u" },
        { type: "click" },
        ok("mix-2", { timestamp: "9999-01-01T00:00:00Z" }),
        ok("mix-3"),
      ]),
      [2, 6],
      { lands: ["mix-1", "mix-3"] },
    ),
    accepts("JSON sent as text/plain", json([ok("plain-1")]), [1, 0], {
      headers: { "content-type": "text/plain" },
      lands: ["plain-1"],
    }),
    refuses("a form-encoded body", "type=click&userId=u", 400, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
    refuses("XML", "<event><type>click</type></event>", 400, { headers: { "content-type": "application/xml" } }),
    refuses(
      "more than the node's maxBodyBytes",
      json([ok("big-body", { props: { pad: "x".repeat(1_100_000) } })]),
      413,
    ),
    refuses("more events than maxBatch", json(Array.from({ length: 501 }, (_, i) => ok(`over-${i}`))), 413),
    refuses("a wrong API key", json([ok("wrong-key")]), 401, { headers: { "x-api-key": "slk_wrong" } }),
    refuses("no API key", json([ok("no-key")]), 401, { headers: { "x-api-key": "" } }),
    refuses("an unknown path key", json([ok("no-path")]), 401, { path: "no-such-endpoint" }),
  ];
}

describe("engine: hostile ingest bodies", () => {
  // No key on event_id: a duplicate dedup let through would show as a second row.
  const sink = useSinkTable(
    "hostile",
    "row_id serial PRIMARY KEY, event_id text NOT NULL, event_type text NOT NULL, user_id text",
  );
  const { table } = sink;
  const setup = useEngineWorld({ topics: testTopics(2), pool: { concurrency: 2, attempts: 2, backoffMs: 100 } });
  let ingest: IngestPipeline;

  beforeAll(async () => {
    const { world } = setup;
    const secretId = await createSecret(world, testServices.databaseUrl);
    ingest = await createIngestPipeline(world, "hostile-ingest", { scopedKey: true });
    const { deploymentId } = await deploy(
      world,
      ingest.pipeline.id,
      graph(
        [
          ingestNode(ingest),
          { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
          postgresSinkNode({
            connectionSecretId: secretId,
            table,
            columns: { event_id: "event.id", event_type: "event.type", user_id: "event.userId" },
          }),
        ],
        [
          ["ingest", "dedup"],
          ["dedup", "sink"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
  });

  it("answers each with 202 or a 4xx with a reason (never 5xx), and processes exactly the valid events", async () => {
    const { world, running } = setup;
    const { pathKey, key } = ingest;
    const pipelineId = ingest.pipeline.id;
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
    const last = await postIngest(running, ingest, after);
    expect(last.status).toBe(202);
    landing.push(...after.map((e) => e.id));

    await eventually(
      async () => {
        const rows = await sink.db.query<{ event_id: string }>(`SELECT event_id FROM ${table} ORDER BY event_id`);
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
    expect((await sink.db.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(landing.length);
  }, 120_000);
});

describe("engine: ingest rate limit per API key, and what unknown keys cost", () => {
  const sink = useSinkTable("rate", "event_id text PRIMARY KEY, event_type text");
  const setup = useWorld();
  let running: RunningEngine;
  let ingest: IngestPipeline;
  // A second engine, standing for another engine process (or runner) of the deployment.
  let second: RunningEngine;
  // The engine's real database, observed: how often ingest looks an API key up in Postgres.
  let keyLookups = 0;

  beforeAll(async () => {
    const { world } = setup;
    const observed: ControlDb = {
      ...world.db,
      ingestKey(id) {
        keyLookups++;
        return world.db.ingestKey(id);
      },
    };
    const settings = {
      topics: testTopics(1),
      ingest: { ratePerKey: 5, eventTimeWindow: { notBeforeMs: Date.UTC(2000, 0, 1), maxFutureMs: 86_400_000 } },
    };
    running = await setup.start(settings, observed);
    second = await setup.start(settings);
    ingest = await createIngestPipeline(world, "rate");
    const g = ingestToPostgres(ingest.pathKey, ingest.key.id, await createSecret(world, testServices.databaseUrl));
    g.nodes[1]!.config["table"] = sink.table;
    const { deploymentId } = await deploy(world, ingest.pipeline.id, g);
    await waitRunning(world, deploymentId);
    // The row says running once one engine runs it: both must serve the path.
    await eventually(() =>
      expect(
        [running, second].every((e) => e.engine.reconciler.running().some((d) => d.spec.deploymentId === deploymentId)),
      ).toBe(true),
    );
  });

  const post = (apiKey: string, path = ingest.pathKey, engine = running) =>
    fetch(`${engine.http.url}/v1/ingest/${path}`, {
      method: "POST",
      body: json([ok(randomUUID())]),
      headers: { "x-api-key": apiKey },
    });

  it("costs no key query per made-up key or unknown path: 401 for all of them", async () => {
    expect((await post(ingest.key.token)).status).toBe(202);
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
      Array.from({ length: 20 }, (_, i) => post(ingest.key.token, ingest.pathKey, i % 2 === 0 ? running : second)),
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
    expect((await post(ingest.key.token, ingest.pathKey, second)).status).toBe(202);
  });
});
