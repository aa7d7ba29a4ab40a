// A workspace of its own per test file, with real rows (user, pipeline, versions, deployments, API
// keys, secrets) and an in-process engine + HTTP server against the real services.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient, issueToken, type PrismaClient, sealSecret } from "@sluice/db";
import { type ConsumedMessage, createKafka, type Kafka } from "@sluice/kafka";
import {
  DEPLOYMENTS_CHANNEL,
  keyPatterns,
  type PipelineGraph,
  type PipelineSettings,
  workspaceTopicName,
} from "@sluice/shared";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll } from "vitest";
import { createEngine, type Engine } from "../src/wiring";
import type { EngineSettings } from "../src/settings";
import { startHttpServer, type HttpServer } from "../src/http/server";
import { QUEUE_PREFIX } from "../src/queue/prefix";
import { closeRedis, createRedis } from "../src/services/redis";
import { eventually, testLogger, testServices, uniqueName } from "./services";

export type World = {
  prisma: PrismaClient;
  redis: Redis;
  kafka: Kafka;
  workspaceId: string;
  /** Names the workspace's topic namespace: a kafka-sink's topic `x` is `ws.<slug>.x` on the broker (ownTopic). */
  slug: string;
  userId: string;
  secretKey: string;
  close(): Promise<void>;
};

export async function createWorld(): Promise<World> {
  const prisma = createPrismaClient(testServices.databaseUrl);
  const redis = createRedis(testServices.redisUrl, testLogger, "engine-test");
  await redis.connect();
  const kafka = createKafka({
    brokers: testServices.kafkaBrokers.split(","),
    clientId: "engine-test",
    log: testLogger,
  });
  const slug = uniqueName("ws").toLowerCase();
  const user = await prisma.user.create({ data: { name: "Engine Test", email: `${slug}@example.test` } });
  const workspace = await prisma.workspace.create({ data: { name: slug, slug } });
  return {
    prisma,
    redis,
    kafka,
    workspaceId: workspace.id,
    slug,
    userId: user.id,
    secretKey: randomBytes(32).toString("base64"),
    async close() {
      // Leave no queues, state or topics of this workspace behind.
      const deployments = await prisma.deployment.findMany({
        where: { workspaceId: workspace.id },
        select: { id: true, pipelineId: true },
      });
      const patterns = deployments.flatMap((d) => [
        `${QUEUE_PREFIX}:stage.${d.id}.*`,
        keyPatterns.checkpoints(d.pipelineId),
        keyPatterns.watermarks(d.pipelineId),
        keyPatterns.generators(d.pipelineId),
        keyPatterns.history(d.pipelineId),
        keyPatterns.deployment(d.id),
      ]);
      patterns.push(keyPatterns.rateLimits(workspace.id));
      for (const pattern of new Set(patterns)) {
        const keys = await redis.keys(pattern);
        if (keys.length > 0) await redis.del(...keys);
      }
      const topics = (await kafka.admin.listTopics()).filter(
        (t) => t.startsWith(`sluice.${workspace.id}.`) || t.startsWith(ownTopic({ slug }, "")),
      );
      if (topics.length > 0) await kafka.admin.deleteTopics(topics).catch(() => undefined);
      await prisma.workspace.delete({ where: { id: workspace.id } }).catch(() => undefined);
      await prisma.user.delete({ where: { id: user.id } }).catch(() => undefined);
      await prisma.$disconnect();
      await closeRedis(redis);
      await kafka.close();
    },
  };
}

/** The broker name of the workspace's topic a kafka-source or kafka-sink calls `name`. */
export function ownTopic(world: Pick<World, "slug">, name: string): string {
  return workspaceTopicName(world.slug, name);
}

export async function createPipeline(world: World, name: string) {
  return world.prisma.pipeline.create({
    data: { workspaceId: world.workspaceId, name, draft: {}, createdById: world.userId },
  });
}

/** What a deploy may set on the deployment row besides the graph (defaults: the schema's). */
type DeployOptions = { startPosition?: "resume" | "earliest" | "latest"; settings?: PipelineSettings };

/** A new version plus a running deployment (the old running one, if any, flipped to stopped), then the Redis notice. */
export async function deploy(
  world: World,
  pipelineId: string,
  graph: PipelineGraph,
  options: DeployOptions = {},
): Promise<{ deploymentId: string; versionId: string }> {
  const count = await world.prisma.pipelineVersion.count({ where: { pipelineId } });
  const result = await world.prisma.$transaction(async (tx) => {
    const version = await tx.pipelineVersion.create({
      data: {
        pipelineId,
        workspaceId: world.workspaceId,
        number: count + 1,
        graph,
        message: "test",
        authorId: world.userId,
      },
    });
    await tx.deployment.updateMany({
      where: { pipelineId, desiredState: "running" },
      data: { desiredState: "stopped" },
    });
    const deployment = await tx.deployment.create({
      data: {
        workspaceId: world.workspaceId,
        pipelineId,
        versionId: version.id,
        desiredState: "running",
        ...options,
        createdById: world.userId,
      },
    });
    return { deploymentId: deployment.id, versionId: version.id };
  });
  await world.redis.publish(DEPLOYMENTS_CHANNEL, pipelineId);
  return result;
}

export async function createApiKey(world: World, pipelineId?: string, scope: "ingest" | "read" = "ingest") {
  const issued = issueToken(scope);
  const row = await world.prisma.apiKey.create({
    data: {
      workspaceId: world.workspaceId,
      pipelineId: pipelineId ?? null,
      name: "test",
      prefix: issued.prefix,
      hash: issued.hash,
      createdById: world.userId,
      scope,
    },
  });
  return { token: issued.token, id: row.id, hash: issued.hash };
}

export async function createSecret(world: World, value: string) {
  const row = await world.prisma.secret.create({
    data: {
      workspaceId: world.workspaceId,
      name: uniqueName("secret"),
      ciphertext: sealSecret(value, world.secretKey, world.workspaceId),
      hint: "…",
      createdById: world.userId,
    },
  });
  return row.id;
}

export type RunningEngine = {
  engine: Engine;
  http: HttpServer;
  registry: Registry;
  stop(mode?: "drain" | "abort"): Promise<void>;
};

/** `prisma`: the control-plane client the engine uses (default the world's; a test may observe its queries). */
export async function startEngine(
  world: World,
  settings: Partial<EngineSettings> = {},
  prisma: PrismaClient = world.prisma,
): Promise<RunningEngine> {
  const registry = new Registry();
  const engine = createEngine({
    prisma,
    kafka: world.kafka,
    redis: world.redis,
    registry,
    log: testLogger,
    runnerId: uniqueName("runner"),
    secretKey: world.secretKey,
    settings: { workspaceIds: [world.workspaceId], reconcileIntervalMs: 1000, lagIntervalMs: 500, ...settings },
  });
  await engine.start();
  const http = await startHttpServer({ host: "127.0.0.1", port: 0, routes: engine.routes, log: testLogger });
  return {
    engine,
    http,
    registry,
    async stop(mode = "drain") {
      await http.close(100);
      await engine.stop(mode);
    },
  };
}

/** Resolves once the deployment row says running (or throws with its reason when failing). */
export async function waitRunning(world: World, deploymentId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    if (row.status === "running") return;
    if (row.status === "failing" && row.statusReason?.startsWith("invalid graph")) throw new Error(row.statusReason);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`deployment ${deploymentId} did not start within ${timeoutMs} ms`);
}

/** Creates a scratch sink table (`columns` is its column SQL) and returns a client for assertions. */
export async function openSinkTable(table: string, columns: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: testServices.databaseUrl });
  await db.connect();
  await db.query(`CREATE TABLE ${table} (${columns})`);
  return db;
}

/** Drops the table made by `openSinkTable` and closes its client; safe if setup failed half-way. */
export async function closeSinkTable(db: pg.Client | undefined, table: string): Promise<void> {
  await db?.query(`DROP TABLE IF EXISTS ${table}`);
  await db?.end();
}

/** Reads a topic from the start (a fresh group) until `count` records arrived (30 s at most). */
export async function readAll(world: World, topic: string, count: number): Promise<ConsumedMessage[]> {
  const received: ConsumedMessage[] = [];
  const consumer = world.kafka.consumer({
    groupId: uniqueName("test-reader"),
    topics: [topic],
    fetch: { maxWaitMs: 100 },
  });
  await consumer.start({
    onMessage: (m) => received.push(m),
    onError: (e) => {
      throw e;
    },
  });
  try {
    await eventually(
      () => {
        if (received.length < count) throw new Error(`${topic}: ${received.length} of ${count} records`);
      },
      { timeoutMs: 30_000 },
    );
  } finally {
    await consumer.close();
  }
  return received;
}

/**
 * For a test file (or describe block) with one world and one engine on it: both made before its tests,
 * the engine stopped (`stopMode`, default "drain") and the world closed after them. Read `world` and
 * `running` inside tests and hooks (they are set once the suite's beforeAll ran).
 */
export function useEngineWorld(
  settings: Partial<EngineSettings> = {},
  stopMode: "drain" | "abort" = "drain",
): { world: World; running: RunningEngine } {
  const t = {} as { world: World; running: RunningEngine };
  beforeAll(async () => {
    t.world = await createWorld();
    t.running = await startEngine(t.world, settings);
  });
  afterAll(async () => {
    await t.running?.stop(stopMode);
    await t.world?.close();
  });
  return t;
}

/**
 * For a test file about windows: a world of its own, a sink table for `windowCountGraph` (graphs.ts)
 * and the engines its tests start, all created before and closed after the file's tests.
 */
export function useWindowSinkWorld(prefix: string): {
  world: World;
  sinkDb: pg.Client;
  table: string;
  engines: RunningEngine[];
} {
  const t = { table: uniqueName(prefix).replace(/-/g, "_"), engines: [] as RunningEngine[] } as {
    world: World;
    sinkDb: pg.Client;
    table: string;
    engines: RunningEngine[];
  };
  beforeAll(async () => {
    t.world = await createWorld();
    t.sinkDb = await openSinkTable(t.table, "window_id text PRIMARY KEY, event_type text, events bigint, revision int");
  });
  afterAll(async () => {
    for (const e of t.engines) await e.stop().catch(() => undefined);
    await closeSinkTable(t.sinkDb, t.table);
    await t.world?.close();
  });
  return t;
}
