// The data-plane engine of one runner process: reconciler (deployments → stages), lag monitor,
// HTTP ingest routes and metrics. main.ts starts one; integration tests start several in-process.
import type { Redis } from "ioredis";
import { openSecret, type PrismaClient } from "@sluice/db";
import type { Kafka } from "@sluice/kafka";
import type { Registry } from "prom-client";
import type { Route } from "../http/router";
import { createIngest, DEFAULT_INGEST_SETTINGS, type IngestSettings } from "../ingest/ingest-route";
import { createViews, DEFAULT_VIEW_SETTINGS, type ViewSettings } from "../views/views-route";
import type { Logger } from "../log";
import { engineMetrics } from "./engine-metrics";
import { DEFAULT_FEEDER_SETTINGS, type FeederSettings } from "./feeder";
import { type LagMonitor, startLagMonitor } from "./lag-monitor";
import { DEFAULT_TOPIC_SETTINGS, type TopicSettings } from "@sluice/shared";
import { DEFAULT_POOL_SETTINGS, type PoolSettings } from "./pool";
import { createReconciler, type Reconciler } from "./reconciler";
import { loadConnection } from "./kafka-connections";
import { type AlertEvaluator, startAlertEvaluator } from "../monitoring/alerts";
import { type SnapshotPublisher, startSnapshotPublisher } from "../monitoring/snapshot-publisher";

export type EngineSettings = {
  topics: TopicSettings;
  feeder: FeederSettings;
  pool: PoolSettings;
  /** Ingest answers 429 above this many messages of lag on its topic. Default 100000. */
  ingestLagThreshold: number;
  /** Per-key rate limit and accepted event times of HTTP ingest. */
  ingest: IngestSettings;
  /** Per-key rate limit of GET /v1/views. */
  views: ViewSettings;
  /** Partitions without a watermark update for this long do not hold back windows. Default 30 s. */
  idlePartitionMs: number;
  /** Idle partitions of stateful stages get an empty batch this often, so due windows fire. Default 1000 ms. */
  tickMs: number;
  /** Default 5000 ms. */
  reconcileIntervalMs: number;
  /** Default 2000 ms. */
  lagIntervalMs: number;
  /** Only run deployments of these workspaces. Default: all. */
  workspaceIds?: string[];
  /** Live metrics snapshots (pub/sub + 1 s history). Default 1000 ms. */
  metricsIntervalMs: number;
  /** Alert rule evaluation. Default 2000 ms. */
  alertIntervalMs: number;
  /** Alert rules reloaded from Postgres. Default 10000 ms. */
  alertReloadMs: number;
  /** Alert webhooks and webhook sinks (with their node's toggle on) may target private/loopback hosts (ALLOW_PRIVATE_WEBHOOKS). Default false. */
  allowPrivateWebhooks: boolean;
};

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  topics: DEFAULT_TOPIC_SETTINGS,
  feeder: DEFAULT_FEEDER_SETTINGS,
  pool: DEFAULT_POOL_SETTINGS,
  ingestLagThreshold: 100_000,
  ingest: DEFAULT_INGEST_SETTINGS,
  views: DEFAULT_VIEW_SETTINGS,
  idlePartitionMs: 30_000,
  tickMs: 1000,
  reconcileIntervalMs: 5000,
  lagIntervalMs: 2000,
  metricsIntervalMs: 1000,
  alertIntervalMs: 2000,
  alertReloadMs: 10_000,
  allowPrivateWebhooks: false,
};

export type Engine = {
  /** POST /v1/ingest/:key and GET /v1/views/:view, to add to the public HTTP route table. */
  routes: Route[];
  reconciler: Reconciler;
  lag: LagMonitor;
  /** Live metrics publisher and alert evaluator (started with the engine). */
  monitoring(): { publisher?: SnapshotPublisher; alerts?: AlertEvaluator };
  start(): Promise<void>;
  /** drain (default): finish and commit in-flight batches; abort: simulate a crash. */
  stop(mode?: "drain" | "abort"): Promise<void>;
};

export function createEngine(options: {
  prisma: PrismaClient;
  kafka: Kafka;
  redis: Redis;
  registry: Registry;
  log: Logger;
  runnerId: string;
  secretKey?: string;
  settings?: Partial<EngineSettings>;
}): Engine {
  const settings = { ...DEFAULT_ENGINE_SETTINGS, ...options.settings };
  const log = options.log.child({ module: "engine" });
  const metrics = engineMetrics(options.registry);
  const producer = options.kafka.producer({ name: "engine" });
  const subscriber = options.redis.duplicate();
  subscriber.on("error", (err: Error) => log.warn({ err }, "redis subscriber error"));

  const secret = async (workspaceId: string, secretId: string) => {
    if (!options.secretKey) throw new Error("SLUICE_SECRET_KEY is not set: connector secrets cannot be decrypted");
    const row = await options.prisma.secret.findFirst({ where: { id: secretId, workspaceId }, select: { ciphertext: true } });
    if (!row) throw new Error(`secret ${secretId} not found in the workspace`);
    return openSecret(row.ciphertext, options.secretKey, workspaceId);
  };
  // What logs and errors call a secret: its name, never its value.
  const secretName = async (workspaceId: string, secretId: string) =>
    (await options.prisma.secret.findFirst({ where: { id: secretId, workspaceId }, select: { name: true } }))?.name ?? secretId;

  const reconciler = createReconciler({
    prisma: options.prisma,
    kafka: options.kafka,
    producer,
    redis: options.redis,
    subscriber,
    metrics,
    log,
    runnerId: options.runnerId,
    topics: settings.topics,
    feeder: settings.feeder,
    pool: settings.pool,
    idlePartitionMs: settings.idlePartitionMs,
    tickMs: settings.tickMs,
    allowPrivateWebhooks: settings.allowPrivateWebhooks,
    intervalMs: settings.reconcileIntervalMs,
    ...(settings.workspaceIds ? { workspaceIds: settings.workspaceIds } : {}),
    secret,
    secretName,
    connection: (workspaceId, connectionId) => loadConnection(options.prisma, options.secretKey, workspaceId, connectionId),
  });
  const lag = startLagMonitor({ kafka: options.kafka, reconciler, metrics, log, intervalMs: settings.lagIntervalMs });
  const ingest = createIngest({
    prisma: options.prisma,
    producer,
    subscriber,
    targets: (pathKey) =>
      reconciler.ingestSources().flatMap((r) =>
        r.spec.plan.ingest.filter((entry) => entry.pathKey === pathKey).map((entry) => ({ workspaceId: r.spec.workspaceId, pipelineId: r.spec.pipelineId, entry, keyFor: r.keyFor })),
      ),
    ready: () => reconciler.ready(),
    lagOf: (topic) => lag.lagOf(topic),
    lagThreshold: settings.ingestLagThreshold,
    settings: settings.ingest,
    metrics,
    log,
  });
  const views = createViews({
    prisma: options.prisma,
    subscriber,
    running: () => reconciler.running().map((r) => ({ deploymentId: r.spec.deploymentId, workspaceId: r.spec.workspaceId, pipelineId: r.spec.pipelineId, plan: r.spec.plan })),
    ready: () => reconciler.ready(),
    secret,
    settings: settings.views,
    log,
  });

  let publisher: SnapshotPublisher | undefined;
  let alerts: AlertEvaluator | undefined;
  return {
    routes: [...ingest.routes, ...views.routes],
    reconciler,
    lag,
    monitoring: () => ({ ...(publisher ? { publisher } : {}), ...(alerts ? { alerts } : {}) }),
    async start() {
      await ingest.start();
      await views.start();
      await reconciler.start();
      publisher = startSnapshotPublisher({
        reconciler,
        kafka: options.kafka,
        redis: options.redis,
        metrics,
        runnerId: options.runnerId,
        log,
        intervalMs: settings.metricsIntervalMs,
        idlePartitionMs: settings.idlePartitionMs,
      });
      alerts = startAlertEvaluator({
        prisma: options.prisma,
        redis: options.redis,
        reconciler,
        log,
        secret,
        allowPrivateWebhooks: settings.allowPrivateWebhooks,
        intervalMs: settings.alertIntervalMs,
        reloadMs: settings.alertReloadMs,
      });
    },
    async stop(mode = "drain") {
      lag.stop();
      await alerts?.stop();
      await publisher?.stop();
      await reconciler.stop(mode);
      await views.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await producer.close();
    },
  };
}
