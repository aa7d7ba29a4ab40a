// Enrich nodes in `pipeline.preview` read their real lookup (a Postgres table, a Redis hash) through
// the workspace's secret, read-only and bounded; when the lookup cannot be used, the enrich node
// says why and every node downstream names it. Secrets never appear in the results.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue, PipelineGraph } from "@sluice/shared";
import { NOT_LOOKED_UP, PREVIEW_LOOKUP_LIMITS, readOnlyQuery } from "@/server/preview/preview-lookups";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
const databaseUrl = process.env.DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/sluice_test";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0";
const tag = randomBytes(4).toString("hex");
const table = `lookup_users_${tag}`;
const hidden = `lookup_hidden_${tag}`;
const slow = `lookup_slow_${tag}`;
// A login role that may read `table` only (the server trusts local connections, so no password).
const reader = `preview_reader_${tag}`;
const redisPrefix = `preview-enrich-${tag}:user:`;
const admin = new pg.Client({ connectionString: databaseUrl });
const redis = new Redis(redisUrl);

beforeAll(async () => {
  f = await teamFixture();
  await admin.connect();
  await admin.query(`CREATE TABLE ${table} (id text PRIMARY KEY, plan text, country text)`);
  await admin.query(`INSERT INTO ${table} VALUES ('u1', 'pro', 'NL'), ('u2', 'free', 'FR')`);
  await admin.query(`CREATE TABLE ${hidden} (id text PRIMARY KEY, plan text)`);
  await admin.query(`CREATE VIEW ${slow} AS SELECT id, plan FROM ${table}, pg_sleep(2)`);
  await admin.query(`CREATE ROLE ${reader} LOGIN`);
  await admin.query(`GRANT SELECT ON ${table}, ${slow} TO ${reader}`);
  await redis.hset(`${redisPrefix}u1`, { plan: "enterprise" });
});
afterAll(async () => {
  await admin.query(`DROP VIEW IF EXISTS ${slow}`);
  await admin.query(`DROP TABLE IF EXISTS ${table}, ${hidden}`);
  await admin.query(`DROP ROLE IF EXISTS ${reader}`);
  await admin.end();
  await redis.del(`${redisPrefix}u1`);
  redis.disconnect();
  await prisma.$disconnect();
});

const position = { x: 0, y: 0 };

function asReader(url: string): string {
  const u = new URL(url);
  u.username = reader;
  u.password = "";
  return u.toString();
}

async function secret(value: string): Promise<string> {
  const created = await callerFor(f.users.admin).secret.create({
    workspaceId: f.ws.id,
    name: `lookup-${randomBytes(3).toString("hex")}`,
    value,
  });
  return created.id;
}

/** http-ingest → enrich → map → kafka-sink. */
function graph(lookup: { [key: string]: JsonValue }): PipelineGraph {
  return {
    nodes: [
      { id: "in", type: "http-ingest", typeVersion: 1, config: { pathKey: "web", apiKeyId: "k" }, position },
      {
        id: "enrich",
        type: "enrich",
        typeVersion: 1,
        config: { lookup, key: "event.userId", target: "user" },
        position,
      },
      {
        id: "map",
        type: "map",
        typeVersion: 1,
        config: { assignments: [{ target: "plan", expression: "event.user == null ? 'none' : event.user.plan" }] },
        position,
      },
      { id: "sink", type: "kafka-sink", typeVersion: 1, config: { topic: "enriched" }, position },
    ],
    edges: [
      { id: "e1", source: "in", sourcePort: "out", target: "enrich", targetPort: "in" },
      { id: "e2", source: "enrich", sourcePort: "out", target: "map", targetPort: "in" },
      { id: "e3", source: "map", sourcePort: "out", target: "sink", targetPort: "in" },
    ],
  };
}

const events = (ids: string[]) => ids.map((userId, i) => ({ id: `evt_${i}`, type: "page", userId }));

function preview(g: PipelineGraph, userIds = ["u1", "u2", "u3"]) {
  return callerFor(f.users.editor).pipeline.preview({
    workspaceId: f.ws.id,
    graph: g,
    sampleEvents: { in: events(userIds) },
  });
}

describe("preview of enrich nodes", () => {
  it("enriches from the real Postgres table through the workspace's secret", async () => {
    const id = await secret(asReader(databaseUrl));
    const { results } = await preview(
      graph({ kind: "postgres", connectionSecretId: id, table, keyColumn: "id", columns: ["plan", "country"] }),
    );
    expect(results["enrich"]?.status).toBe("ran");
    expect(results["enrich"]?.outputs["out"]?.map((e) => e["user"])).toEqual([
      { plan: "pro", country: "NL" },
      { plan: "free", country: "FR" },
      null,
    ]);
    expect(results["sink"]?.writes?.map((w) => (w as { value: { plan: string } }).value.plan)).toEqual([
      "pro",
      "free",
      "none",
    ]);
  });

  it("enriches from a Redis hash", async () => {
    const id = await secret(redisUrl);
    const { results } = await preview(graph({ kind: "redis", connectionSecretId: id, keyPrefix: redisPrefix }), [
      "u1",
      "u9",
    ]);
    expect(results["enrich"]?.outputs["out"]?.map((e) => e["user"])).toEqual([{ plan: "enterprise" }, null]);
    expect(results["sink"]?.status).toBe("ran");
  });

  it(`looks up at most ${PREVIEW_LOOKUP_LIMITS.keys} distinct keys and marks the rest as not looked up`, async () => {
    const id = await secret(asReader(databaseUrl));
    // 250 distinct keys: u1 and 199 unknown ones are looked up, 50 are not.
    const ids = ["u1", ...Array.from({ length: PREVIEW_LOOKUP_LIMITS.keys + 49 }, (_, i) => `x${i}`)];
    const { results } = await preview(
      graph({ kind: "postgres", connectionSecretId: id, table, keyColumn: "id", columns: ["plan"] }),
      ids,
    );
    const users = results["enrich"]?.outputs["out"]?.map((e) => e["user"]) ?? [];
    expect(users).toHaveLength(ids.length);
    expect(users[0]).toEqual({ plan: "pro" });
    expect(users.filter((u) => u === null)).toHaveLength(PREVIEW_LOOKUP_LIMITS.keys - 1);
    expect(users.filter((u) => JSON.stringify(u) === JSON.stringify(NOT_LOOKED_UP))).toHaveLength(50);
  });

  it("says why when the lookup cannot be used, and every node downstream names the enrich node", async () => {
    const cases: { lookup: () => Promise<{ [key: string]: JsonValue }>; reason: RegExp }[] = [
      {
        lookup: async () => ({
          kind: "postgres",
          connectionSecretId: "sec_missing",
          table,
          keyColumn: "id",
          columns: ["plan"],
        }),
        reason: /^Needs its lookup \(secret "sec_missing" not found in this workspace\)$/,
      },
      {
        // Another team's secret is not found either.
        lookup: async () => {
          const theirs = await callerFor(f.stranger).secret.create({
            workspaceId: f.other.id,
            name: "theirs",
            value: databaseUrl,
          });
          return { kind: "postgres", connectionSecretId: theirs.id, table, keyColumn: "id", columns: ["plan"] };
        },
        reason: /^Needs its lookup \(secret "\w+" not found in this workspace\)$/,
      },
      {
        lookup: async () => ({
          kind: "postgres",
          connectionSecretId: await secret(redisUrl),
          table,
          keyColumn: "id",
          columns: ["plan"],
        }),
        reason: /^Needs its lookup \(secret "lookup-\w+" is not a postgres:\/\/ or postgresql:\/\/ connection URL\)$/,
      },
      {
        lookup: async () => ({
          kind: "postgres",
          connectionSecretId: await secret(asReader(databaseUrl)),
          table: hidden,
          keyColumn: "id",
          columns: ["plan"],
        }),
        reason: /^Lookup failed: permission denied for table lookup_hidden_\w+$/,
      },
      {
        lookup: async () => ({
          kind: "postgres",
          connectionSecretId: await secret(asReader(databaseUrl)),
          table: slow,
          keyColumn: "id",
          columns: ["plan"],
        }),
        reason: /^Lookup failed: canceling statement due to statement timeout$/,
      },
      {
        lookup: async () => ({
          kind: "postgres",
          connectionSecretId: await secret("postgresql://bob:hunter2-canary-71@127.0.0.1:1/app"),
          table,
          keyColumn: "id",
          columns: ["plan"],
        }),
        reason: /^Lookup unreachable: .*ECONNREFUSED/,
      },
      {
        lookup: async () => ({
          kind: "redis",
          connectionSecretId: await secret("redis://:hunter2-canary-72@127.0.0.1:1/0"),
          keyPrefix: "",
        }),
        reason: /^Lookup unreachable: .*ECONNREFUSED/,
      },
    ];
    for (const { lookup, reason } of cases) {
      const { results } = await preview(graph(await lookup()));
      const enrich = results["enrich"]!;
      expect(enrich.status, String(reason)).toBe("skipped");
      expect(enrich.reason).toMatch(reason);
      for (const downstream of ["map", "sink"]) {
        expect(results[downstream]).toMatchObject({
          status: "skipped",
          reason: `Not run: "enrich" was skipped (${enrich.reason})`,
        });
      }
      expect(JSON.stringify(results)).not.toContain("hunter2-canary");
    }
  });

  it("runs lookups in a READ ONLY transaction: a statement that writes is refused", async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await expect(readOnlyQuery(client, `INSERT INTO ${table} VALUES ($1, 'hacked', 'XX')`, ["u666"])).rejects.toThrow(
        /read-only transaction/,
      );
      expect(await readOnlyQuery<{ plan: string }>(client, `SELECT plan FROM ${table} WHERE id = $1`, ["u1"])).toEqual([
        { plan: "pro" },
      ]);
    } finally {
      await client.end();
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]).toEqual({ n: 2 });
  });
});
