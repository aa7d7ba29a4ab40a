// A workspace of its own per test file, with real rows (user, pipeline, versions, deployments, API
// keys, secrets) and an in-process engine + HTTP server against the real services.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient, issueToken, type Prisma, type PrismaClient, sealSecret } from "@sluice/db";
import { type ConsumedMessage, createKafka, type Kafka } from "@sluice/kafka";
import {
  alertStateKey,
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
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from "../src/settings";
import { startHttpServer, type HttpServer } from "../src/http/server";
import { QUEUE_PREFIX } from "../src/queue/prefix";
import { closeRedis, createRedis } from "../src/services/redis";
import { type ControlDb, createControlDb } from "../src/services/control-db";
import { chain, ingestNode, kafkaChain, type NodeSpec, windowCountGraph } from "./graphs";
import { eventually, testLogger, testServices, uniqueName } from "./services";
import type { Logger } from "../src/log";

export type World = {
  /** Rows are made with Prisma, as the web app makes them. */
  prisma: PrismaClient;
  /** What engines read them with. */
  db: ControlDb;
  redis: Redis;
  kafka: Kafka;
  workspaceId: string;
  /** Names the workspace's topic namespace: a kafka-sink's topic `x` is `ws.<slug>.x` on the broker (ownTopic). */
  slug: string;
  userId: string;
  secretKey: string;
  close(): Promise<void>;
};

/** The engine's control-plane database on a pool of its own (close it when done). */
export function openControlDb(): { db: ControlDb; close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: testServices.databaseUrl, max: 4 });
  return { db: createControlDb(pool), close: () => pool.end() };
}

export async function createWorld(): Promise<World> {
  const prisma = createPrismaClient(testServices.databaseUrl);
  const control = openControlDb();
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
    db: control.db,
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
      const rules = await prisma.alertRule.findMany({ where: { workspaceId: workspace.id }, select: { id: true } });
      if (rules.length > 0) await redis.del(...rules.map((r) => alertStateKey(r.id)));
      const topics = (await kafka.admin.listTopics()).filter(
        (t) => t.startsWith(`sluice.${workspace.id}.`) || t.startsWith(ownTopic({ slug }, "")),
      );
      if (topics.length > 0) await kafka.admin.deleteTopics(topics).catch(() => undefined);
      await prisma.workspace.delete({ where: { id: workspace.id } }).catch(() => undefined);
      await prisma.user.delete({ where: { id: user.id } }).catch(() => undefined);
      await prisma.$disconnect();
      await control.close();
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

/** An engine's topic settings in tests: `partitions` per topic, one replica, an hour's retention. */
export function testTopics(partitions: number) {
  return { partitions, replicationFactor: 1, retentionMs: 3_600_000 };
}

/** A workspace topic of `partitions` made now: `name` is what a kafka node calls it, `topic` the broker's name. */
export async function createOwnTopic(
  world: World,
  prefix: string,
  partitions: number,
): Promise<{ name: string; topic: string }> {
  const name = uniqueName(prefix);
  const topic = ownTopic(world, name);
  await world.kafka.admin.createTopics([{ topic, partitions }]);
  return { name, topic };
}

/** What a deploy may set on the deployment row besides the graph (defaults: the schema's). */
type DeployOptions = { startPosition?: "resume" | "earliest" | "latest"; settings?: PipelineSettings };

/** Inside a deploy's transaction: the pipeline's running deployment flipped to stopped, a running one of `versionId` made. */
async function runVersion(
  tx: Prisma.TransactionClient,
  world: World,
  pipelineId: string,
  versionId: string,
  options: DeployOptions,
): Promise<string> {
  await tx.deployment.updateMany({
    where: { pipelineId, desiredState: "running" },
    data: { desiredState: "stopped" },
  });
  const deployment = await tx.deployment.create({
    data: {
      workspaceId: world.workspaceId,
      pipelineId,
      versionId,
      desiredState: "running",
      ...options,
      createdById: world.userId,
    },
  });
  return deployment.id;
}

/** A new version plus a running deployment (the old running one, if any, flipped to stopped), then the Redis notice. */
export async function deploy(
  world: World,
  pipelineId: string,
  graph: PipelineGraph,
  /** announce false: no Redis notice (as when it is lost or reaches another process first). */
  { announce = true, ...options }: DeployOptions & { announce?: boolean } = {},
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
    return { deploymentId: await runVersion(tx, world, pipelineId, version.id, options), versionId: version.id };
  });
  if (announce) await world.redis.publish(DEPLOYMENTS_CHANNEL, pipelineId);
  return result;
}

/**
 * The version of `deploymentId` deployed again (e.g. `startPosition: "earliest"`: a replay of the whole
 * input, as after a crash before any commit), the pipeline's running deployment (that one) flipped to
 * stopped; then the Redis notice.
 */
export async function redeploy(
  world: World,
  deploymentId: string,
  options: DeployOptions,
): Promise<{ deploymentId: string }> {
  const { pipelineId, versionId } = await world.prisma.deployment.findUniqueOrThrow({
    where: { id: deploymentId },
    select: { pipelineId: true, versionId: true },
  });
  const id = await world.prisma.$transaction((tx) => runVersion(tx, world, pipelineId, versionId, options));
  await world.redis.publish(DEPLOYMENTS_CHANNEL, pipelineId);
  return { deploymentId: id };
}

/** The deployment's desired state set to stopped, and `running` reconciled at once (not at its next pass). */
export async function stopDeployment(world: World, running: RunningEngine, deploymentId: string): Promise<void> {
  await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
  await running.engine.reconciler.reconcile();
}

/** An API key of the workspace (of one pipeline if `pipelineId` is given); `scope` default "ingest". */
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

/** A pipeline to be fed over HTTP: the row, an ingest API key and a fresh path key for its http-ingest node. */
export type IngestPipeline = {
  pipeline: { id: string };
  key: { token: string; id: string };
  pathKey: string;
};

/** `scopedKey`: the API key belongs to the pipeline (default: a workspace key). */
export async function createIngestPipeline(
  world: World,
  name: string,
  { scopedKey = false } = {},
): Promise<IngestPipeline> {
  const pipeline = await createPipeline(world, name);
  const key = await createApiKey(world, scopedKey ? pipeline.id : undefined);
  return { pipeline, key, pathKey: uniqueName(name).toLowerCase() };
}

/** POSTs `body` (as JSON) to the pipeline's ingest endpoint on `engine`, with its API key. */
export function postIngest(
  engine: RunningEngine,
  { pathKey, key }: Pick<IngestPipeline, "pathKey" | "key">,
  body: unknown,
): Promise<Response> {
  return fetch(`${engine.http.url}/v1/ingest/${pathKey}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "x-api-key": key.token },
  });
}

/**
 * An ingest pipeline (`ingest`, then the `between` nodes in a chain) into a kafka-sink `out` writing to a
 * workspace topic made beforehand (one partition), deployed and running.
 */
export async function deployIngestToKafka(
  world: World,
  name: string,
  between: NodeSpec[] = [],
): Promise<IngestPipeline & { outTopic: string; deploymentId: string }> {
  const ingest = await createIngestPipeline(world, name);
  const out = await createOwnTopic(world, `sluice-test-${name}`, 1);
  const { deploymentId } = await deploy(
    world,
    ingest.pipeline.id,
    chain([ingestNode(ingest), ...between, { id: "out", type: "kafka-sink", config: { topic: out.name } }]),
  );
  await waitRunning(world, deploymentId);
  return { ...ingest, outTopic: out.topic, deploymentId };
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

/**
 * An engine on the world, not started yet: the world's workspace only, reconciling every second.
 * `db`: the control-plane database it uses (default the world's; a test may observe its calls).
 */
export function createWorldEngine(
  world: World,
  settings: Partial<EngineSettings> = {},
  options: { db?: ControlDb; registry?: Registry; log?: Logger } = {},
): Engine {
  return createEngine({
    db: options.db ?? world.db,
    kafka: world.kafka,
    redis: world.redis,
    registry: options.registry ?? new Registry(),
    log: options.log ?? testLogger,
    runnerId: uniqueName("runner"),
    secretKey: world.secretKey,
    settings: { workspaceIds: [world.workspaceId], reconcileIntervalMs: 1000, lagIntervalMs: 500, ...settings },
  });
}

/** `db`: the control-plane database the engine uses (default the world's; a test may observe its calls). */
export async function startEngine(
  world: World,
  settings: Partial<EngineSettings> = {},
  db: ControlDb = world.db,
): Promise<RunningEngine> {
  const registry = new Registry();
  const engine = createWorldEngine(world, settings, { db, registry });
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

/**
 * `windowCountGraph` (graphs.ts) into `table` behind a new ingest pipeline, its Postgres secret the test
 * database, deployed and running.
 */
export async function deployWindowCount(
  world: World,
  name: string,
  options: { table: string; allowedLateness: string; before?: NodeSpec },
): Promise<IngestPipeline & { deploymentId: string }> {
  const ingest = await createIngestPipeline(world, name);
  const { deploymentId } = await deploy(
    world,
    ingest.pipeline.id,
    windowCountGraph({
      ...options,
      pathKey: ingest.pathKey,
      apiKeyId: ingest.key.id,
      connectionSecretId: await createSecret(world, testServices.databaseUrl),
    }),
  );
  await waitRunning(world, deploymentId);
  return { ...ingest, deploymentId };
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
export function readAll(world: World, topic: string, count: number): Promise<ConsumedMessage[]> {
  return readTopic(world.kafka, topic, count);
}

/** `readAll` through any client (e.g. one of another cluster), waiting `timeoutMs` at most. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ConsumedMessage[]> {
  const received: ConsumedMessage[] = [];
  const consumer = kafka.consumer({
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
      { timeoutMs },
    );
  } finally {
    await consumer.close();
  }
  return received;
}

/** The sum of a topic's offsets per partition (end offsets: its record count, with control records). */
export function offsetSum(offsets: { offset: bigint }[]): number {
  return offsets.reduce((sum, o) => sum + Number(o.offset), 0);
}

/** The events that entered `node` of a pipeline in this engine (its Prometheus counter). */
export async function eventsIn(running: RunningEngine, pipelineId: string, node: string): Promise<number> {
  const metric = await running.registry.getSingleMetric("sluice_node_events_in_total")?.get();
  return metric?.values.find((v) => v.labels["pipeline"] === pipelineId && v.labels["node"] === node)?.value ?? 0;
}

/** Collects the JSON messages published on a Redis channel (a connection of its own) until `close`. */
export async function listen<T>(channel: string): Promise<{ messages: T[]; close(): Promise<void> }> {
  const messages: T[] = [];
  const sub = createRedis(testServices.redisUrl, testLogger, "test-listener");
  await sub.connect();
  sub.on("message", (_channel: string, message: string) => messages.push(JSON.parse(message) as T));
  await sub.subscribe(channel);
  return { messages, close: () => closeRedis(sub) };
}

export type WorldFixture = {
  world: World;
  /** Starts an engine on the world; it is stopped after the suite's tests unless `stop` stopped it before. */
  start(settings?: Partial<EngineSettings>, db?: ControlDb): Promise<RunningEngine>;
  /** Stops an engine made by `start` now (`mode` default the fixture's). */
  stop(engine: RunningEngine, mode?: "drain" | "abort"): Promise<void>;
};

/**
 * For a test file (or describe block) with a world of its own: made before its tests; after them the
 * engines its tests started (`start`) are stopped (`stopMode`, default "drain") and the world closed.
 * Read `world` inside tests and hooks (it is set once the suite's beforeAll ran). Fixtures registered
 * before this one (e.g. `useSinkTable`) are set up before the world and torn down after it.
 */
export function useWorld(stopMode: "drain" | "abort" = "drain"): WorldFixture {
  const engines: RunningEngine[] = [];
  const t = {
    async start(settings = {}, db) {
      const engine = await startEngine(t.world, settings, db);
      engines.push(engine);
      return engine;
    },
    async stop(engine, mode = stopMode) {
      const at = engines.indexOf(engine);
      if (at >= 0) engines.splice(at, 1);
      await engine.stop(mode);
    },
  } as WorldFixture;
  beforeAll(async () => {
    t.world = await createWorld();
  });
  afterAll(async () => {
    try {
      for (const engine of engines.splice(0)) await engine.stop(stopMode);
    } finally {
      await t.world?.close();
    }
  });
  return t;
}

/**
 * `useWorld` with one engine (`settings`) started before the suite's tests as `running`. A test may
 * stop it (`stop`) and put another one from `start` in its place.
 */
export function useEngineWorld(
  settings: Partial<EngineSettings> = {},
  stopMode: "drain" | "abort" = "drain",
): WorldFixture & { running: RunningEngine } {
  const t = useWorld(stopMode) as WorldFixture & { running: RunningEngine };
  beforeAll(async () => {
    t.running = await t.start(settings);
  });
  return t;
}

/**
 * Catch-up over a pre-filled workspace topic `source`: an engine started on `setup` that reads in small
 * batches (at most `maxBatchRecords` records, 5 ms linger; 2 partitions per topic), then a new pipeline
 * `name`, kafka-source `src` (from earliest) -> `nodes` -> kafka-sink `sink` (the workspace topic
 * `sink`), deployed and running.
 */
export async function startCatchUp(
  setup: WorldFixture,
  name: string,
  options: { source: string; nodes: NodeSpec[]; sink: string; maxBatchRecords: number },
): Promise<{ running: RunningEngine; pipeline: { id: string } }> {
  const running = await setup.start({
    topics: testTopics(2),
    feeder: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxBatchRecords: options.maxBatchRecords, lingerMs: 5 },
  });
  const pipeline = await createPipeline(setup.world, name);
  const { deploymentId } = await deploy(
    setup.world,
    pipeline.id,
    kafkaChain(options.source, options.nodes, options.sink),
  );
  await waitRunning(setup.world, deploymentId);
  return { running, pipeline };
}

/**
 * A scratch sink table (`columns`: its column SQL) made before a suite's tests and dropped after them,
 * with a client for assertions. Register it before `useWorld`/`useEngineWorld`, so the engines that
 * write to it stop before it is dropped.
 */
export function useSinkTable(prefix: string, columns: string): { table: string; db: pg.Client } {
  const t = { table: uniqueName(prefix).replace(/-/g, "_") } as { table: string; db: pg.Client };
  beforeAll(async () => {
    t.db = await openSinkTable(t.table, columns);
  });
  afterAll(async () => {
    await closeSinkTable(t.db, t.table);
  });
  return t;
}
