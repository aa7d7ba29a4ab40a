// Live tap and dead-letter inbox against a real in-process runner engine, Kafka, Redis and Postgres:
// the tap samples a topic edge and a fused edge (masked for a viewer, raw for an admin, at a bounded
// rate); poison events are listed grouped, replayed after a fix into the middle of a fused chain and
// reach the sink exactly once; discard hides and audits; other teams get NOT_FOUND, viewers FORBIDDEN.
import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "@sluice/kafka";
import { closeRedis, createRedis } from "../../runner/src/services/redis";
import {
  createIngestPipeline,
  createPipeline,
  createSecret,
  deploy,
  deployIngestToKafka,
  ownTopic,
  postIngest,
  openControlDb,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "../../runner/test/engine-world";
import { chain, graph, ingestNode, sinkColumns } from "../../runner/test/graphs";
import { eventually, testLogger, testServices, uniqueName } from "../../runner/test/services";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let world: World;
let running: RunningEngine;

const isCode = (code: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === code;

beforeAll(async () => {
  f = await teamFixture();
  const redis = createRedis(testServices.redisUrl, testLogger, "h2-test");
  await redis.connect();
  const kafka = createKafka({
    brokers: testServices.kafkaBrokers.split(","),
    clientId: "tap-dlq-test",
    log: testLogger,
  });
  const control = openControlDb();
  world = {
    prisma,
    db: control.db,
    redis,
    kafka,
    workspaceId: f.ws.id,
    slug: f.ws.slug,
    userId: f.users.owner.id,
    secretKey: randomBytes(32).toString("base64"),
    async close() {
      const topics = (await kafka.admin.listTopics()).filter(
        (t) => t.startsWith(`sluice.${f.ws.id}.`) || t.startsWith(ownTopic(f.ws, "")),
      );
      if (topics.length > 0) await kafka.admin.deleteTopics(topics).catch(() => undefined);
      await closeRedis(redis);
      await kafka.close();
      await control.close();
    },
  };
  running = await startEngine(world, {
    topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
    pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
  });
});

afterAll(async () => {
  await running?.stop();
  await world?.close();
});

/** Reads a tap stream for `ms`, returning every event received. */
async function tapFor(user: keyof Fixture["users"], pipelineId: string, nodeId: string, ms: number) {
  const ac = new AbortController();
  const stream = await callerFor(f.users[user], ac.signal).tap.live({
    workspaceId: f.ws.id,
    pipelineId,
    nodeId,
    port: "out",
  });
  const events: { at: number; event: unknown }[] = [];
  const started = Date.now();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for await (const batch of stream) {
      events.push(...batch);
      if (ac.signal.aborted) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return { events, seconds: (Date.now() - started) / 1000 };
}

describe("live tap", () => {
  it("samples a topic edge and a fused edge, masked for viewers and raw for admins, at a bounded rate", async () => {
    const pipeline = await createPipeline(world, "tapped");
    const outName = uniqueName("sluice-test-tap-out");
    const outTopic = ownTopic(world, outName);
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "gen", type: "generator", config: { eventsPerSecond: 300, malformedRatio: 0, duplicateRatio: 0 } },
          { id: "filter", type: "filter", config: { condition: 'event.type != ""' } },
          { id: "mask", type: "mask-pii", config: { rules: [{ field: "context.ip", method: "redact" }] } },
          { id: "out", type: "kafka-sink", config: { topic: outName } },
        ],
        // gen → filter is a topic (after a source); filter → mask → out are fused.
        [
          ["gen", "filter"],
          ["filter", "mask"],
          ["mask", "out"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);

    const edges = await callerFor(f.users.viewer).tap.edges({ workspaceId: f.ws.id, pipelineId: pipeline.id });
    expect(edges.edges.map((e) => e.label)).toEqual(["gen.out → filter", "filter.out → mask", "mask.out → out"]);
    expect(edges.raw).toBe(false);
    expect((await callerFor(f.users.admin).tap.edges({ workspaceId: f.ws.id, pipelineId: pipeline.id })).raw).toBe(
      true,
    );

    const ipOf = (e: unknown) => (e as { context?: { ip?: string } }).context?.ip;
    // Topic edge, viewer: events arrive, the PII field named by the mask-pii node is masked.
    const viewerTopic = await tapFor("viewer", pipeline.id, "gen", 3000);
    expect(viewerTopic.events.length).toBeGreaterThan(0);
    expect(viewerTopic.events.every((e) => ipOf(e.event) === "[masked]")).toBe(true);
    // 300 events/s flow; one viewer never gets more than 20 per second (+1 s of slack for window edges).
    expect(viewerTopic.events.length).toBeLessThanOrEqual(20 * (Math.ceil(viewerTopic.seconds) + 1));
    // Newest batches are sampled: event ids are recent generator ids, not a replay from the start.
    expect(viewerTopic.events.every((e) => typeof (e.event as { id?: unknown }).id === "string")).toBe(true);

    // Fused edge (inside one worker step), admin: raw IPs.
    const adminFused = await tapFor("admin", pipeline.id, "filter", 3000);
    expect(adminFused.events.length).toBeGreaterThan(0);
    expect(adminFused.events.some((e) => /^\d+\.\d+\.\d+\.\d+$/.test(ipOf(e.event) ?? ""))).toBe(true);

    // Nobody watching: the runner stops sampling once the announcement expires (not asserted on time).
    await expect(callerFor(f.stranger).tap.edges({ workspaceId: f.ws.id, pipelineId: pipeline.id })).rejects.toSatisfy(
      isCode("NOT_FOUND"),
    );
    const strangerStream = async () => {
      const s = await callerFor(f.stranger).tap.live({
        workspaceId: f.ws.id,
        pipelineId: pipeline.id,
        nodeId: "gen",
        port: "out",
      });
      await s[Symbol.asyncIterator]().next();
    };
    await expect(strangerStream()).rejects.toSatisfy(isCode("NOT_FOUND"));
  });
});

describe("live tap of an ingest endpoint", () => {
  it("shows the events accepted at ingest, as normalised", async () => {
    const ingest = await deployIngestToKafka(world, "ingest-tap");
    const { pipeline } = ingest;
    const ac = new AbortController();
    const stream = await callerFor(f.users.admin, ac.signal).tap.live({
      workspaceId: f.ws.id,
      pipelineId: pipeline.id,
      nodeId: "ingest",
      port: "out",
    });
    const first = stream[Symbol.asyncIterator]().next();
    let done = false;
    void first.finally(() => (done = true));
    // The runner learns of the tap within a second: keep posting until a sample arrives.
    for (let i = 0; !done && i < 100; i++) {
      const res = await postIngest(running, ingest, { id: `t-${i}`, type: "click", userId: "u1" });
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 100));
    }
    const batch = (await first).value as unknown as { event: { id: string; receivedAt?: string } }[];
    expect(batch[0]!.event.id).toMatch(/^t-\d+$/);
    expect(batch[0]!.event.receivedAt).toEqual(expect.any(String));
    ac.abort();
  });
});

describe("dead-letter inbox", () => {
  const table = `h2_dlq_${randomBytes(4).toString("hex")}`;
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: testServices.databaseUrl });
    await db.connect();
    await db.query(`CREATE TABLE ${table} (event_id text PRIMARY KEY, event_type text)`);
  });
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  it("groups poison events, replays them after a fix exactly once into the sink, discards with audit", async () => {
    const ingest = await createIngestPipeline(world, "poisoned");
    const { pipeline } = ingest;
    const secretId = await createSecret(world, testServices.databaseUrl);
    const sink = { ...sinkColumns, connectionSecretId: secretId, table, mode: "upsert" };
    // ingest → [mask → mark → filter → sink] fused: the filter that fails is in the middle of the
    // chain, after a map that is visibly not idempotent (a replay entering at the head would add "!!").
    const build = (condition: string) =>
      chain([
        ingestNode(ingest),
        { id: "mask", type: "mask-pii", config: { rules: [{ field: "props.email", method: "redact" }] } },
        { id: "mark", type: "map", config: { assignments: [{ target: "type", expression: 'event.type + "!"' }] } },
        { id: "filter", type: "filter", config: { condition } },
        { id: "sink", type: "postgres-sink", config: sink },
      ]);
    const v1 = await deploy(world, pipeline.id, build("event.props.amount > 10"));
    await waitRunning(world, v1.deploymentId);
    const events = Array.from({ length: 12 }, (_, i) => ({
      id: `ev-${i}`,
      type: "purchase",
      userId: `u-${i % 3}`,
      // Every 4th event is poison for v1's filter: a string where it compares a number.
      props: { amount: i % 4 === 0 ? "lots" : 20 + i, email: `u${i}@example.com` },
    }));
    const response = await postIngest(running, ingest, events);
    expect(response.status).toBe(202);
    const poison = ["ev-0", "ev-4", "ev-8"];

    const list = (user: keyof Fixture["users"], showHandled = false) =>
      callerFor(f.users[user]).dlq.list({ workspaceId: f.ws.id, pipelineId: pipeline.id, showHandled });
    const listed = await eventually(async () => {
      const l = await list("viewer");
      expect(l.items.length).toBe(3);
      return l;
    });
    expect(listed.groups).toEqual([expect.objectContaining({ nodeId: "filter", count: 3 })]);
    expect(listed.groups[0]!.code).toMatch(/^expression\./);
    expect(listed.nodes.map((n) => n.nodeId).sort()).toEqual(["filter", "ingest", "mark", "mask", "sink"]);
    expect(listed.items.map((i) => (i.payload as { id: string }).id).sort()).toEqual(poison);
    const item = listed.items[0]!;
    expect(item.source).toEqual(expect.objectContaining({ topic: `sluice.${f.ws.id}.${pipeline.id}.ingest.out` }));
    expect(item.message).not.toBe("");
    // The email was already redacted by the mask node; the client IP is PII by default: masked for a viewer.
    expect((item.payload as { context: { ip?: string } }).context.ip).not.toMatch(/127\.0\.0\.1$/);
    const adminView = await list("admin");
    expect(adminView.raw).toBe(true);
    expect(
      adminView.items.some((i) => /127\.0\.0\.1/.test(String((i.payload as { context: { ip?: string } }).context.ip))),
    ).toBe(true);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(9);

    // Access: other teams do not see the pipeline; a viewer may not replay or discard.
    await expect(callerFor(f.stranger).dlq.list({ workspaceId: f.ws.id, pipelineId: pipeline.id })).rejects.toSatisfy(
      isCode("NOT_FOUND"),
    );
    await expect(
      callerFor(f.users.viewer).dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: {} }),
    ).rejects.toSatisfy(isCode("FORBIDDEN"));
    await expect(
      callerFor(f.users.viewer).dlq.discard({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: {} }),
    ).rejects.toSatisfy(isCode("FORBIDDEN"));

    // Replayed while the filter still fails, one comes back with its earlier attempts counted on.
    const idOf = (eventId: string) => listed.items.find((i) => (i.payload as { id: string }).id === eventId)!.id;
    const again = await callerFor(f.users.admin).dlq.replay({
      workspaceId: f.ws.id,
      pipelineId: pipeline.id,
      ids: [idOf("ev-8")],
    });
    expect(again.replayed).toEqual([idOf("ev-8")]);
    const refailed = await eventually(async () => {
      const item = (await list("viewer")).items.find((i) => (i.payload as { id: string }).id === "ev-8");
      expect(item).toBeDefined();
      return item!;
    });
    const firstAttempt = listed.items.find((i) => i.id === idOf("ev-8"))!.attempt!;
    expect(refailed.attempt).toBe(firstAttempt + 1);

    // Discard it (audited), then fix the filter in a new version and replay the rest, twice.
    const discarded = await callerFor(f.users.admin).dlq.discard({
      workspaceId: f.ws.id,
      pipelineId: pipeline.id,
      ids: [refailed.id],
    });
    expect(discarded.discarded).toEqual([refailed.id]);
    const audit = await prisma.auditLog.findMany({
      where: { workspaceId: f.ws.id, action: "dlq.discard", resourceId: pipeline.id },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(f.users.admin.id);

    const v2 = await deploy(world, pipeline.id, build('event.type == "purchase!"'));
    await waitRunning(world, v2.deploymentId);
    const [first, second] = await Promise.all([
      callerFor(f.users.admin).dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: { nodeId: "filter" } }),
      callerFor(f.users.owner).dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: { nodeId: "filter" } }),
    ]);
    expect([...first.replayed, ...second.replayed].sort()).toEqual([idOf("ev-0"), idOf("ev-4")].sort());
    expect(first.failed).toEqual([]);
    expect(first.warning).toBeNull();

    await eventually(
      async () => expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(11),
      { timeoutMs: 30_000 },
    );
    const replayedRows = await db.query(`SELECT event_id FROM ${table} WHERE event_id = ANY($1) ORDER BY event_id`, [
      poison,
    ]);
    expect(replayedRows.rows.map((r: { event_id: string }) => r.event_id)).toEqual(["ev-0", "ev-4"]);
    expect((await db.query(`SELECT DISTINCT event_type FROM ${table}`)).rows).toEqual([{ event_type: "purchase!" }]);
    // Replay entered at the filter: nothing new was dead-lettered, and the inbox shows nothing unhandled.
    const after = await list("viewer");
    expect(after.items).toEqual([]);
    const labelled = await list("viewer", true);
    expect(labelled.items.map((i) => i.handled?.action).sort()).toEqual([
      "discarded",
      "replayed",
      "replayed",
      "replayed",
    ]);
    // A third replay finds nothing to do.
    expect(
      (await callerFor(f.users.admin).dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: {} })).replayed,
    ).toEqual([]);
    expect(
      await prisma.auditLog.count({ where: { workspaceId: f.ws.id, action: "dlq.replay", resourceId: pipeline.id } }),
    ).toBe(4);
  });

  it("acts on every retained dead letter, not only the newest the inbox lists", async () => {
    const table = `h2_dlq_all_${randomBytes(4).toString("hex")}`;
    await db.query(`CREATE TABLE ${table} (event_id text PRIMARY KEY, event_type text)`);
    cleanups.push(() => db.query(`DROP TABLE IF EXISTS ${table}`));
    const ingest = await createIngestPipeline(world, "replay-all");
    const { pipeline } = ingest;
    const secretId = await createSecret(world, testServices.databaseUrl);
    const sink = { ...sinkColumns, connectionSecretId: secretId, table, mode: "upsert" };
    const build = (condition: string) =>
      chain([
        ingestNode(ingest),
        { id: "filter", type: "filter", config: { condition } },
        { id: "sink", type: "postgres-sink", config: sink },
      ]);
    const v1 = await deploy(world, pipeline.id, build("event.props.amount > 10"));
    await waitRunning(world, v1.deploymentId);
    // 600 poison events over 2 partitions: more than the 200 per partition the inbox lists.
    const total = 600;
    for (let start = 0; start < total; start += 200) {
      const events = Array.from({ length: 200 }, (_, i) => ({
        id: `all-${start + i}`,
        type: "purchase",
        userId: `u-${(start + i) % 40}`,
        props: { amount: "lots" },
      }));
      const response = await postIngest(running, ingest, events);
      expect(response.status).toBe(202);
    }
    const admin = callerFor(f.users.admin);
    const listed = await eventually(async () => {
      const l = await admin.dlq.list({ workspaceId: f.ws.id, pipelineId: pipeline.id, limit: 200 });
      expect(l.nodes.find((n) => n.nodeId === "filter")?.total).toBe(total);
      return l;
    });
    expect(listed.groups[0]?.count).toBeLessThan(total);

    const v2 = await deploy(world, pipeline.id, build('event.type == "purchase"'));
    await waitRunning(world, v2.deploymentId);
    const result = await admin.dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: { nodeId: "filter" } });
    expect(result.replayed).toHaveLength(total);
    expect(result.more).toBe(false);
    await eventually(
      async () => expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(total),
      { timeoutMs: 30_000 },
    );
    // Nothing is left to replay.
    expect((await admin.dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: {} })).replayed).toEqual([]);
  });
});

describe("dead-letter replay at the edges of a pipeline", () => {
  const table = `h2_dlq_sink_${randomBytes(4).toString("hex")}`;
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: testServices.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  it("re-attempts a failed sink write once the table exists, and re-validates ingest rejects with the endpoint's current rules", async () => {
    const ingest = await createIngestPipeline(world, "edges");
    const { pipeline } = ingest;
    const secretId = await createSecret(world, testServices.databaseUrl);
    const build = (requireEventId: boolean) =>
      chain([
        ingestNode(ingest, { requireEventId }),
        {
          id: "sink",
          type: "postgres-sink",
          config: {
            connectionSecretId: secretId,
            table,
            mode: "insert",
            keyColumns: ["event_id"],
            columns: [{ column: "event_id", expression: "event.id" }],
          },
        },
      ]);
    const v1 = await deploy(world, pipeline.id, build(true));
    await waitRunning(world, v1.deploymentId);
    // Two events with ids reach the sink, whose table does not exist yet; one without an id is refused at ingest.
    const body = [
      { id: "a", type: "signup", userId: "u1" },
      { id: "b", type: "signup", userId: "u2" },
      { type: "signup", userId: "u3" },
    ];
    const response = await postIngest(running, ingest, body);
    expect(response.status).toBe(202);

    const admin = callerFor(f.users.admin);
    const list = () => admin.dlq.list({ workspaceId: f.ws.id, pipelineId: pipeline.id });
    const listed = await eventually(
      async () => {
        const l = await list();
        expect(l.items.length).toBe(3);
        return l;
      },
      { timeoutMs: 30_000 },
    );
    expect(listed.groups.map((g) => [g.nodeId, g.code, g.count]).sort()).toEqual([
      ["ingest", "schema.invalid", 1],
      ["sink", "node.failed", 2],
    ]);

    // Still invalid for v1's endpoint: not replayed, stays waiting with the reason.
    const early = await admin.dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: { nodeId: "ingest" } });
    expect(early.replayed).toEqual([]);
    expect(early.failed).toEqual([expect.objectContaining({ reason: expect.stringMatching(/id/) })]);
    expect((await list()).items).toHaveLength(3);

    await db.query(`CREATE TABLE ${table} (event_id text PRIMARY KEY)`);
    const sinkReplay = await admin.dlq.replay({
      workspaceId: f.ws.id,
      pipelineId: pipeline.id,
      all: { nodeId: "sink" },
    });
    expect(sinkReplay.replayed).toHaveLength(2);
    await eventually(
      async () =>
        expect((await db.query(`SELECT event_id FROM ${table} ORDER BY event_id`)).rows).toEqual([
          { event_id: "a" },
          { event_id: "b" },
        ]),
      { timeoutMs: 30_000 },
    );

    const v2 = await deploy(world, pipeline.id, build(false));
    await waitRunning(world, v2.deploymentId);
    const ingestReplay = await admin.dlq.replay({
      workspaceId: f.ws.id,
      pipelineId: pipeline.id,
      all: { nodeId: "ingest" },
    });
    expect(ingestReplay.replayed).toHaveLength(1);
    await eventually(
      async () => expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(3),
      { timeoutMs: 30_000 },
    );
    expect((await list()).items).toEqual([]);

    // A record that was not JSON (written to the topic by something else) is dead-lettered as { raw }: never replayed.
    const producer = world.kafka.producer({ name: "h2-test" });
    await producer.send([{ topic: `sluice.${f.ws.id}.${pipeline.id}.ingest.out`, key: null, value: "not json" }]);
    await producer.close();
    const garbage = await eventually(
      async () => {
        const l = await list();
        expect(l.items).toHaveLength(1);
        return l.items[0]!;
      },
      { timeoutMs: 30_000 },
    );
    expect(garbage.code).toBe("record.invalid-json");
    const refused = await admin.dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, ids: [garbage.id] });
    expect(refused.replayed).toEqual([]);
    expect(refused.failed).toEqual([{ id: garbage.id, reason: expect.stringMatching(/not a JSON object/) }]);
    expect((await list()).items).toHaveLength(1);

    // Stopped pipeline: replay is allowed, with a warning (only the unreplayable record is left, so nothing is sent).
    await prisma.deployment.updateMany({ where: { pipelineId: pipeline.id }, data: { desiredState: "stopped" } });
    expect((await admin.dlq.replay({ workspaceId: f.ws.id, pipelineId: pipeline.id, all: {} })).warning).toMatch(
      /not running/,
    );
  });
});
