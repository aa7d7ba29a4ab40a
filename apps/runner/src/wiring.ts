// The wiring of one runner process's engine: the reconciler (control/) starting deployments
// (control/deployment-runtime.ts: stages, queues, feeders), HTTP ingest (sources/), and the observers
// (observe/: lag monitor, live metrics, alerts) around one Kafka producer and Redis subscriber.
// main.ts starts one; integration tests start several in-process.
import type { Redis } from "ioredis";
import { openSecret } from "@sluice/db/security";
import type { ControlDb } from "./services/control-db";
import type { Kafka } from "@sluice/kafka";
import type { Registry } from "prom-client";
import type { Route } from "./http/router";
import { createApiKeys } from "./services/api-keys";
import { createRateLimiter } from "./services/rate-limiter";
import { createIngest } from "./sources/ingest-route";
import type { Logger } from "./log";
import { engineMetrics } from "./observe/engine-metrics";
import { type LagMonitor, startLagMonitor } from "./observe/lag-monitor";
import { createReconciler, type Reconciler } from "./control/reconciler";
import { loadConnection } from "./control/kafka-connections";
import { loadRegistry } from "./stage/schema-registries";
import { type RuntimeDeps, startDeployment } from "./control/deployment-runtime";
import { newJobRegistry } from "./queue/stage-queue";
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from "./settings";
import { type AlertEvaluator, startAlertEvaluator } from "./observe/alerts";
import { type SnapshotPublisher, startSnapshotPublisher } from "./observe/snapshot-publisher";
import { createViews } from "./views/views-route";

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
  /** The control-plane database (deployments, keys, secrets, connections, alert rules). */
  db: ControlDb;
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
  const producer = options.kafka.producer({ name: "engine", compression: settings.producerCompression });
  const subscriber = options.redis.duplicate();
  subscriber.on("error", (err: Error) => log.warn({ err }, "redis subscriber error"));
  // Per-key request rates and webhook send schedules, shared with every other runner and engine process.
  const limiter = createRateLimiter({ redis: options.redis, log });

  const secret = async (workspaceId: string, secretId: string) => {
    if (!options.secretKey) throw new Error("SLUICE_SECRET_KEY is not set: connector secrets cannot be decrypted");
    const row = await options.db.secret(workspaceId, secretId);
    if (!row) throw new Error(`secret ${secretId} not found in the workspace`);
    return openSecret(row.ciphertext, options.secretKey, workspaceId);
  };
  // What logs and errors call a secret: its name, never its value.
  const secretName = async (workspaceId: string, secretId: string) =>
    (await options.db.secret(workspaceId, secretId))?.name ?? secretId;

  const runtimeDeps: RuntimeDeps = {
    kafka: options.kafka,
    producer,
    redis: options.redis,
    metrics,
    log,
    runnerId: options.runnerId,
    feeder: settings.feeder,
    pool: settings.pool,
    // This engine's own: a batch takes the local path only to a pool of this engine (several engines in
    // one process, as in tests, then behave like separate processes).
    jobs: newJobRegistry(),
    idlePartitionMs: settings.idlePartitionMs,
    tickMs: settings.tickMs,
    windowCombiner: settings.windowCombiner,
    allowPrivateWebhooks: settings.allowPrivateWebhooks,
    limiter,
    secret,
    secretName,
    connection: (workspaceId, connectionId) => loadConnection(options.db, options.secretKey, workspaceId, connectionId),
    schemaRegistry: (workspaceId, registryId) => loadRegistry(options.db, options.secretKey, workspaceId, registryId),
  };
  const reconciler = createReconciler({
    db: options.db,
    redis: options.redis,
    subscriber,
    log,
    runnerId: options.runnerId,
    topics: settings.topics,
    intervalMs: settings.reconcileIntervalMs,
    ...(settings.workspaceIds ? { workspaceIds: settings.workspaceIds } : {}),
    startDeployment: (spec, onIngestReady) => startDeployment(spec, runtimeDeps, onIngestReady),
  });
  const lag = startLagMonitor({ kafka: options.kafka, reconciler, metrics, log, intervalMs: settings.lagIntervalMs });
  const apiKeys = createApiKeys({ db: options.db, subscriber, limiter, log });
  const ingest = createIngest({
    apiKeys,
    producer,
    targets: (pathKey) =>
      reconciler.ingestSources().flatMap((r) =>
        r.spec.plan.ingest
          .filter((entry) => entry.pathKey === pathKey)
          .map((entry) => ({
            workspaceId: r.spec.workspaceId,
            pipelineId: r.spec.pipelineId,
            entry,
            keyFor: r.keyFor,
          })),
      ),
    catchUp: reconciler.catchUp,
    lagOf: (topic) => lag.lagOf(topic),
    lagThreshold: settings.ingestLagThreshold,
    settings: settings.ingest,
    metrics,
    log,
  });
  const views = createViews({
    apiKeys,
    running: () =>
      reconciler.running().map((r) => ({
        deploymentId: r.spec.deploymentId,
        workspaceId: r.spec.workspaceId,
        pipelineId: r.spec.pipelineId,
        plan: r.spec.plan,
      })),
    catchUp: reconciler.catchUp,
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
      await limiter.start();
      await apiKeys.start();
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
        db: options.db,
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
      await limiter.close();
      await producer.close();
    },
  };
}
