// Streams belong to a workspace, over the real broker: workspace B tries to read and write A's sink
// topic, A's internal topics and a topic on A's Kafka connection, through kafka-source and kafka-sink,
// through the API (save shows the problem, publish and deploy refuse) and through the runner (a
// crafted deployment row is refused). A's topics and B's outputs are then consumed: no event crossed.
// B's own "orders" lives in B's namespace, so the same display name never meets A's.
import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, type Kafka } from "@sluice/kafka";
import type { GraphProblemCode, PipelineGraph } from "@sluice/shared";
import { closeRedis, createRedis } from "../../runner/src/services/redis";
import {
  createApiKey,
  createPipeline,
  deploy,
  openControlDb,
  ownTopic,
  readAll,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "../../runner/test/engine-world";
import { graph } from "../../runner/test/graphs";
import { testLogger, testServices, uniqueName } from "../../runner/test/services";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let kafka: Kafka;
let a: World;
let b: World;
let running: RunningEngine;
const created: string[] = [];

const EVENTS = 12;
const extTopic = uniqueName("iso-ext");

let control: ReturnType<typeof openControlDb>;

function worldOf(
  workspace: { id: string; slug: string },
  userId: string,
  shared: Omit<World, "workspaceId" | "slug" | "userId" | "close">,
): World {
  return { ...shared, workspaceId: workspace.id, slug: workspace.slug, userId, close: async () => undefined };
}

beforeAll(async () => {
  f = await teamFixture();
  const redis = createRedis(testServices.redisUrl, testLogger, "isolation-test");
  await redis.connect();
  kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "isolation-test", log: testLogger });
  control = openControlDb();
  const shared = { prisma, db: control.db, redis, kafka, secretKey: randomBytes(32).toString("base64") };
  a = worldOf(f.ws, f.users.owner.id, shared);
  b = worldOf(f.other, f.stranger.id, shared);
  // A topic on A's connection's cluster (the same broker here: the connection is what makes it A's).
  await kafka.admin.createTopics([{ topic: extTopic, partitions: 1 }]);
  created.push(extTopic);
  running = await startEngine(a, {
    workspaceIds: [a.workspaceId, b.workspaceId],
    topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
  });
});

afterAll(async () => {
  await running?.stop();
  const topics = (await kafka.admin.listTopics()).filter((t) =>
    [a, b].some((w) => t.startsWith(`sluice.${w.workspaceId}.`) || t.startsWith(ownTopic(w, ""))),
  );
  await kafka.admin.deleteTopics([...topics, ...created]).catch(() => undefined);
  await closeRedis(a.redis);
  await kafka.close();
  await control.close();
});

async function post(pathKey: string, token: string, prefix: string): Promise<number> {
  const body = Array.from({ length: EVENTS }, (_, i) => ({ id: `${prefix}-${i}`, type: "click", userId: `u-${i}` }));
  const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "x-api-key": token },
  });
  return response.status;
}

/** Every record now on `topic` (0 when it does not exist), read from the start. */
async function countOf(topic: string): Promise<number> {
  if (!(await kafka.admin.listTopics()).includes(topic)) return 0;
  const ends = await kafka.admin.endOffsets([topic]);
  return Number(ends.reduce((sum, e) => sum + e.offset, 0n));
}

async function waitFailing(deploymentId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const row = await prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    if (row.status === "failing") return row.statusReason ?? "";
    expect(row.status).not.toBe("running");
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`deployment ${deploymentId} was not refused within 30 s`);
}

const isCode = (code: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === code;

describe("cross-workspace isolation over the broker", () => {
  let pipelineA: string;
  let connectionA: string;
  let connectionB: string;

  it("A writes its sink topic, its internal topic and a topic on its own connection", async () => {
    const owner = callerFor(f.users.owner);
    connectionA = (
      await owner.kafkaConnection.create({
        workspaceId: a.workspaceId,
        name: "A cluster",
        config: { bootstrapServers: testServices.kafkaBrokers.split(","), security: { protocol: "plaintext" } },
      })
    ).id;
    connectionB = (
      await callerFor(f.stranger).kafkaConnection.create({
        workspaceId: b.workspaceId,
        name: "B cluster",
        config: { bootstrapServers: testServices.kafkaBrokers.split(","), security: { protocol: "plaintext" } },
      })
    ).id;
    const pipeline = await createPipeline(a, "a-orders");
    pipelineA = pipeline.id;
    const key = await createApiKey(a, pipeline.id);
    const pathKey = uniqueName("iso-a").toLowerCase();
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        { id: "orders", type: "kafka-sink", config: { topic: "orders" } },
        { id: "ext", type: "kafka-sink", config: { topic: extTopic, connectionId: connectionA } },
      ],
      [
        ["ingest", "orders"],
        ["ingest", "ext"],
      ],
    );
    const { deploymentId } = await deploy(a, pipeline.id, g);
    await waitRunning(a, deploymentId);
    expect(await post(pathKey, key.token, "a")).toBe(202);
    expect((await readAll(a, ownTopic(a, "orders"), EVENTS)).length).toBe(EVENTS);
    expect((await readAll(a, extTopic, EVENTS)).length).toBe(EVENTS);
    expect(await countOf(`sluice.${a.workspaceId}.${pipelineA}.ingest.out`)).toBe(EVENTS);
  });

  /** B's attempts: what B names, where, and the problem it must get. */
  const attempts = () => {
    const internal = `sluice.${a.workspaceId}.${pipelineA}.ingest.out`;
    const targets: { what: string; config: Record<string, unknown>; code: GraphProblemCode }[] = [
      { what: "A's sink topic", config: { topic: ownTopic(a, "orders") }, code: "node.reserved-topic" },
      { what: "A's internal topic", config: { topic: internal }, code: "node.reserved-topic" },
      {
        what: "a topic on A's connection",
        config: { topic: extTopic, connectionId: connectionA },
        code: "node.unknown-connection",
      },
    ];
    return targets.flatMap((t) => [
      {
        ...t,
        via: "kafka-source",
        node: "src",
        graph: (): PipelineGraph =>
          graph(
            [
              { id: "src", type: "kafka-source", config: { ...t.config, startPosition: "earliest" } },
              { id: "out", type: "kafka-sink", config: { topic: "stolen" } },
            ],
            [["src", "out"]],
          ),
      },
      {
        ...t,
        via: "kafka-sink",
        node: "out",
        graph: (): PipelineGraph =>
          graph(
            [
              { id: "gen", type: "generator" },
              { id: "out", type: "kafka-sink", config: t.config },
            ],
            [["gen", "out"]],
          ),
      },
    ]);
  };

  it("refuses each attempt in the API: the problem on the node at save, then publish and deploy", async () => {
    const stranger = callerFor(f.stranger);
    for (const attempt of attempts()) {
      const label = `${attempt.via} on ${attempt.what}`;
      const { id } = await stranger.pipeline.create({
        workspaceId: b.workspaceId,
        name: `steal ${attempt.via} ${attempt.code}`,
      });
      const saved = await stranger.pipeline.saveDraft({
        workspaceId: b.workspaceId,
        pipelineId: id,
        graph: attempt.graph(),
        baseRevision: 0,
      });
      expect(saved.problems, label).toContainEqual(
        expect.objectContaining({ code: attempt.code, nodeId: attempt.node, severity: "error" }),
      );
      await expect(
        stranger.version.publish({ workspaceId: b.workspaceId, pipelineId: id, baseRevision: saved.revision }),
        label,
      ).rejects.toSatisfy(isCode("BAD_REQUEST"));
      // A version that got in some other way (an older Sluice, a direct insert) is refused at deploy.
      const version = await prisma.pipelineVersion.create({
        data: {
          pipelineId: id,
          workspaceId: b.workspaceId,
          number: 1,
          graph: attempt.graph() as object,
          message: "crafted",
          authorId: f.stranger.id,
        },
      });
      const deployed = stranger.deployment.deploy({
        workspaceId: b.workspaceId,
        pipelineId: id,
        versionId: version.id,
      });
      await expect(deployed, label).rejects.toSatisfy(
        (e: unknown) => isCode("PRECONDITION_FAILED")(e) && /cannot be deployed/.test((e as Error).message),
      );
      expect(await prisma.deployment.count({ where: { pipelineId: id } }), label).toBe(0);
    }
    // B's own connection is fine for B, and A's connection is not even listed to B.
    const listed = await stranger.kafkaConnection.list({ workspaceId: b.workspaceId });
    expect(listed.map((c) => c.id)).toEqual([connectionB]);
    await expect(
      stranger.kafkaConnection.delete({ workspaceId: b.workspaceId, connectionId: connectionA }),
    ).rejects.toSatisfy(isCode("NOT_FOUND"));
  });

  it("refuses each attempt in the runner: a crafted deployment row never starts", async () => {
    for (const attempt of attempts()) {
      const pipeline = await createPipeline(b, `crafted ${attempt.via}`);
      const { deploymentId } = await deploy(b, pipeline.id, attempt.graph());
      const reason = await waitFailing(deploymentId);
      expect(reason, `${attempt.via} on ${attempt.what}`).toMatch(/invalid graph/);
    }
  });

  it("B's own \"orders\" is B's: B reads only B's events, and nothing of B reached A", async () => {
    const writer = await createPipeline(b, "b-orders");
    const key = await createApiKey(b, writer.id);
    const pathKey = uniqueName("iso-b").toLowerCase();
    const w = await deploy(
      b,
      writer.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "out", type: "kafka-sink", config: { topic: "orders" } },
        ],
        [["ingest", "out"]],
      ),
    );
    await waitRunning(b, w.deploymentId);
    expect(await post(pathKey, key.token, "b")).toBe(202);
    const reader = await createPipeline(b, "b-copy");
    const r = await deploy(
      b,
      reader.id,
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "orders", startPosition: "earliest" } },
          { id: "out", type: "kafka-sink", config: { topic: "copy" } },
        ],
        [["src", "out"]],
      ),
    );
    await waitRunning(b, r.deploymentId);
    const copied = await readAll(b, ownTopic(b, "copy"), EVENTS);
    expect(
      copied.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).every((id) => id.startsWith("b-")),
    ).toBe(true);
    expect(await countOf(ownTopic(b, "copy"))).toBe(EVENTS);

    // Zero events crossed: A's topics hold exactly A's events, B's "stolen" outputs hold nothing.
    expect(await countOf(ownTopic(a, "orders"))).toBe(EVENTS);
    expect(await countOf(extTopic)).toBe(EVENTS);
    expect(await countOf(`sluice.${a.workspaceId}.${pipelineA}.ingest.out`)).toBe(EVENTS);
    expect(await countOf(ownTopic(b, "stolen"))).toBe(0);
    const aOrders = await readAll(a, ownTopic(a, "orders"), EVENTS);
    expect(aOrders.every((m) => (JSON.parse(m.value!.toString()) as { id: string }).id.startsWith("a-"))).toBe(true);
  });

  it("lists the broker ACLs of A's deployed pipeline, on A's prefixes only", async () => {
    const { principal, acls } = await callerFor(f.users.viewer).deployment.acls({
      workspaceId: a.workspaceId,
      pipelineId: pipelineA,
    });
    expect(principal).toBe(`User:sluice-ws-${a.slug}`);
    expect(acls.map((x) => [x.connectionId ?? "sluice", x.resourceType, x.patternType, x.name])).toEqual([
      ["sluice", "topic", "prefixed", `sluice.${a.workspaceId}.${pipelineA}.`],
      ["sluice", "group", "prefixed", `sluice.${pipelineA}.`],
      [connectionA, "topic", "literal", extTopic],
      ["sluice", "topic", "literal", ownTopic(a, "orders")],
    ]);
    expect(acls[0]?.command).toContain(
      `--topic 'sluice.${a.workspaceId}.${pipelineA}.' --resource-pattern-type prefixed`,
    );
    await expect(
      callerFor(f.stranger).deployment.acls({ workspaceId: a.workspaceId, pipelineId: pipelineA }),
    ).rejects.toSatisfy(isCode("NOT_FOUND"));
  });
});
