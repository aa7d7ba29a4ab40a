// Converges what this process runs with the desired state in Postgres: on start, on every
// `sluice:deployments:changed` message and every few seconds (messages can be missed). Stops come
// before starts, so a redeploy drains the old version's stages (committing what they finished)
// before the new version joins the same consumer groups: each offset is processed by exactly one of
// them. Every runner process runs every deployment; Kafka's group protocol splits the partitions.
import type { Redis } from "ioredis";
import type { PrismaClient } from "@sluice/db";
import type { Kafka, KafkaProducer } from "@sluice/kafka";
import { deploymentHealthKey, DEPLOYMENTS_CHANNEL, parsePipelineSettings, type PipelineSettings } from "@sluice/shared";
import type { Logger } from "../log";
import type { EngineMetrics } from "./engine-metrics";
import type { FeederSettings } from "./feeder";
import { mergeNodeStatus, type NodeStatus, pipelineHealth } from "./node-health";
import type { StartPosition } from "./start-position";
import { compilePlan, foreignTopics, type Plan, type PlanResult, planNodeIds, topicOverrides, type TopicSettings } from "@sluice/shared";
import type { ConnectionOptions } from "./kafka-connections";
import type { PoolSettings } from "./pool";
import { type DeploymentRuntime, removeDeploymentKeys, stageQueuesInRedis, startDeployment } from "./deployment-runtime";


export type ReconcilerOptions = {
  prisma: PrismaClient;
  kafka: Kafka;
  producer: KafkaProducer;
  redis: Redis;
  /** A second connection for SUBSCRIBE (a subscribed connection cannot run commands). */
  subscriber: Redis;
  metrics: EngineMetrics;
  log: Logger;
  runnerId: string;
  topics: TopicSettings;
  feeder: FeederSettings;
  pool: PoolSettings;
  idlePartitionMs: number;
  tickMs: number;
  allowPrivateWebhooks: boolean;
  /** Default 5000 ms. */
  intervalMs?: number;
  /** How often node health is compared with what was written to Postgres (written on change). Default 2000 ms. */
  healthIntervalMs?: number;
  /** Only run deployments of these workspaces (sharding, tests). Default: all. */
  workspaceIds?: string[];
  secret(workspaceId: string, secretId: string): Promise<string>;
  secretName(workspaceId: string, secretId: string): Promise<string>;
  connection(workspaceId: string, connectionId: string): Promise<ConnectionOptions>;
};

export type Reconciler = {
  start(): Promise<void>;
  /** Runs one pass now (and waits for it). */
  reconcile(): Promise<void>;
  running(): DeploymentRuntime[];
  /**
   * True once a pass has completed (without failing as a whole): until then a deployment that should
   * run here may not be started yet, so "not running" is not an answer (HTTP ingest says 503).
   */
  ready(): boolean;
  /**
   * Where HTTP ingest may write: running deployments plus, during a redeploy, the old version of a
   * pipeline until the new one started (its ingest topic is the same), so clients see no 404 gap.
   */
  ingestSources(): DeploymentRuntime[];
  /** drain: stop deployments cleanly; abort: drop everything uncommitted (crash simulation). */
  stop(mode?: "drain" | "abort"): Promise<void>;
};

/** Refuses a plan naming a topic of Sluice's cluster outside its workspace (compilePlan never should). */
function ownPlan(planned: PlanResult): PlanResult {
  if (!planned.ok) return planned;
  const foreign = foreignTopics(planned.plan);
  return foreign.length > 0 ? { ok: false, reason: `plan names topics outside its workspace: ${foreign.slice(0, 5).join(", ")}` } : planned;
}

const allNodes = (plan: Plan, state: "starting" | "stopped") => Object.fromEntries(planNodeIds(plan).map((id) => [id, { state }]));

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const log = options.log.child({ module: "reconciler" });
  const runtimes = new Map<string, DeploymentRuntime>();
  const handover = new Map<string, DeploymentRuntime>();
  /** Deployments whose graph cannot be planned: not retried until their row changes. */
  const unplannable = new Map<string, Date>();
  let timer: NodeJS.Timeout | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const healthInterval = options.healthIntervalMs ?? 2000;
  /** The node status last written per deployment, so only changes are written. */
  const written = new Map<string, string>();
  let current: Promise<void> = Promise.resolve();
  let queued = false;
  let stopped = false;
  let passed = false;

  const setStatus = (id: string, data: Parameters<PrismaClient["deployment"]["updateMany"]>[0]["data"]) =>
    options.prisma.deployment.updateMany({ where: { id }, data }).catch((err: unknown) => log.warn({ err, deploymentId: id }, "status write failed"));

  async function pass() {
    const desired = await options.prisma.deployment.findMany({
      where: { desiredState: "running", ...(options.workspaceIds ? { workspaceId: { in: options.workspaceIds } } : {}) },
      include: { version: { select: { graph: true } }, workspace: { select: { slug: true, kafkaConnections: { select: { id: true } } } } },
      orderBy: { createdAt: "asc" },
    });
    const wanted = new Map(desired.map((d) => [d.id, d]));

    // 1. Stop what is no longer wanted, and wait: the new version must not start before the old drained.
    const stopping = [...runtimes.values()].filter((r) => !wanted.has(r.spec.deploymentId));
    const wantedPipelines = new Set(desired.map((d) => d.pipelineId));
    for (const pipelineId of handover.keys()) if (!wantedPipelines.has(pipelineId)) handover.delete(pipelineId);
    for (const runtime of stopping) if (wantedPipelines.has(runtime.spec.pipelineId)) handover.set(runtime.spec.pipelineId, runtime);
    await Promise.all(
      stopping.map(async (runtime) => {
        const id = runtime.spec.deploymentId;
        await setStatus(id, { status: "stopping" });
        await runtime.stop("drain");
        runtimes.delete(id);
        await removeDeploymentKeys(id, runtime.spec.plan.stages.map((s) => s.id), options.redis).catch((err: unknown) => log.warn({ err, deploymentId: id }, "stage queue cleanup failed"));
        written.delete(id);
        await setStatus(id, { status: "stopped", stoppedAt: new Date(), statusReason: null, nodeStatus: allNodes(runtime.spec.plan, "stopped") });
        log.info({ deploymentId: id }, "deployment stopped");
      }),
    );

    // 2. Start what is wanted and not running here.
    for (const row of desired) {
      if (stopped) return;
      if (runtimes.has(row.id)) continue;
      if (unplannable.get(row.id)?.getTime() === row.updatedAt.getTime()) continue;
      // Another row of the same pipeline still running here (a redeploy seen half-way): skip this pass.
      if ([...runtimes.values()].some((r) => r.spec.pipelineId === row.pipelineId)) continue;
      const settings = parsePipelineSettings(row.settings);
      const planned = ownPlan(
        compilePlan({
          workspaceId: row.workspaceId,
          workspaceSlug: row.workspace.slug,
          pipelineId: row.pipelineId,
          graph: row.version.graph,
          settings: { ...options.topics, ...topicOverrides(settings) },
          connectionIds: row.workspace.kafkaConnections.map((c) => c.id),
        }),
      );
      if (!planned.ok) {
        log.warn({ deploymentId: row.id, reason: planned.reason }, "deployment cannot be planned");
        await setStatus(row.id, { status: "failing", statusReason: planned.reason });
        const fresh = await options.prisma.deployment.findUnique({ where: { id: row.id }, select: { updatedAt: true } });
        if (fresh) unplannable.set(row.id, fresh.updatedAt);
        continue;
      }
      await start(row, planned.plan, settings);
    }
  }

  async function start(row: { id: string; workspaceId: string; pipelineId: string; versionId: string; startPosition: StartPosition; status: string }, plan: Plan, settings: PipelineSettings) {
    if (row.status !== "running") await setStatus(row.id, { status: "starting", statusReason: null, nodeStatus: allNodes(plan, "starting") });
    try {
      const runtime = await startDeployment(
        { deploymentId: row.id, workspaceId: row.workspaceId, pipelineId: row.pipelineId, versionId: row.versionId, startPosition: row.startPosition, plan, settings },
        options,
      );
      runtimes.set(row.id, runtime);
      handover.delete(row.pipelineId);
      const nodeStatus = runtime.nodeStatus;
      written.set(row.id, JSON.stringify(nodeStatus));
      await setStatus(row.id, { status: "running", statusReason: null, startedAt: new Date(), stoppedAt: null, nodeStatus });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error({ err, deploymentId: row.id }, "deployment failed to start; retrying on the next pass");
      await setStatus(row.id, { status: "failing", statusReason: reason.slice(0, 1000) });
    }
  }

  // Node health changes (a sink goes down, recovers) become the row's status and per-node status: the
  // merge of every process's view (each publishes its own in Redis), written when it changes. Only
  // rows this process considers running or failing are touched, so a stop in progress wins.
  async function writeHealth() {
    for (const runtime of [...runtimes.values()]) {
      const id = runtime.spec.deploymentId;
      const nodeStatus = await mergedHealth(id, runtime.nodeStatus);
      if (!runtimes.has(id)) {
        await options.redis.hdel(deploymentHealthKey(id), options.runnerId);
        continue;
      }
      const json = JSON.stringify(nodeStatus);
      if (written.get(id) === json) continue;
      written.set(id, json);
      const pipeline = pipelineHealth(nodeStatus);
      await options.prisma.deployment
        .updateMany({ where: { id, status: { in: ["running", "failing"] } }, data: { status: pipeline.state, statusReason: pipeline.reason, nodeStatus } })
        .catch((err: unknown) => {
          written.delete(id);
          log.warn({ err, deploymentId: id }, "node status write failed");
        });
      if (pipeline.state === "failing") log.warn({ deploymentId: id, reason: pipeline.reason }, "deployment failing");
    }
  }

  async function mergedHealth(deploymentId: string, local: Record<string, NodeStatus>): Promise<Record<string, NodeStatus>> {
    const key = deploymentHealthKey(deploymentId);
    const now = Date.now();
    const replies = await options.redis.multi().hset(key, options.runnerId, JSON.stringify({ at: now, nodes: local })).pexpire(key, 60_000).hgetall(key).exec();
    const all = (replies?.[2]?.[1] ?? {}) as Record<string, string>;
    // A process that stopped reporting (crashed, or no longer runs this deployment) is left out.
    const fresh = Object.keys(all)
      .sort()
      .map((runner) => JSON.parse(all[runner]!) as { at: number; nodes: Record<string, NodeStatus> })
      .filter((view) => now - view.at <= 5 * healthInterval);
    return mergeNodeStatus(fresh.map((view) => view.nodes));
  }

  /** Stage queues of stopped deployments nobody drained here (e.g. stopped while their runner was down). */
  async function sweepStoppedQueues() {
    const found = await stageQueuesInRedis(options.redis);
    const ids = [...found.keys()].filter((id) => !runtimes.has(id));
    if (ids.length === 0) return;
    const alive = await options.prisma.deployment.findMany({ where: { id: { in: ids }, desiredState: "running" }, select: { id: true } });
    const keep = new Set(alive.map((d) => d.id));
    for (const id of ids) {
      if (keep.has(id)) continue;
      // Refused (left for later) while any process still has a worker on the queue.
      const stageIds = found.get(id)!;
      const removed = await removeDeploymentKeys(id, stageIds, options.redis);
      if (removed.length === 0) continue;
      log.info({ deploymentId: id, queues: removed.length }, "removed stage queues of a stopped deployment");
      // No process runs it any more: a row its crashed runner left as running is stopped now.
      if (removed.length === stageIds.length) {
        await options.prisma.deployment.updateMany({ where: { id, desiredState: "stopped", status: { not: "stopped" } }, data: { status: "stopped", stoppedAt: new Date(), statusReason: null, nodeStatus: {} } });
      }
    }
  }

  // Passes never overlap; a request during a pass runs one more pass after it.
  function reconcile(): Promise<void> {
    if (queued) return current;
    queued = true;
    current = current.then(async () => {
      queued = false;
      if (stopped) return;
      try {
        await pass();
        passed = true;
      } catch (err) {
        log.error({ err }, "reconcile pass failed");
      }
    });
    return current;
  }

  return {
    async start() {
      await options.subscriber.subscribe(DEPLOYMENTS_CHANNEL);
      options.subscriber.on("message", (channel: string) => {
        if (channel === DEPLOYMENTS_CHANNEL) void reconcile();
      });
      await reconcile();
      timer = setInterval(() => void reconcile(), options.intervalMs ?? 5000);
      let writing: Promise<void> | undefined;
      healthTimer = setInterval(() => {
        writing ??= writeHealth()
          .catch((err: unknown) => log.warn({ err }, "node status update failed"))
          .finally(() => (writing = undefined));
      }, healthInterval);
      let sweeping: Promise<void> | undefined;
      const sweep = () => {
        sweeping ??= sweepStoppedQueues()
          .catch((err: unknown) => log.warn({ err }, "stage queue sweep failed"))
          .finally(() => (sweeping = undefined));
      };
      sweep();
      sweepTimer = setInterval(sweep, 60_000);
    },
    reconcile,
    running: () => [...runtimes.values()],
    ready: () => passed,
    ingestSources: () => {
      const live = [...runtimes.values()];
      const pipelines = new Set(live.map((r) => r.spec.pipelineId));
      return [...live, ...[...handover.values()].filter((r) => !pipelines.has(r.spec.pipelineId))];
    },
    async stop(mode = "drain") {
      stopped = true;
      if (timer) clearInterval(timer);
      if (healthTimer) clearInterval(healthTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      await current;
      await Promise.all([...runtimes.values()].map((r) => r.stop(mode)));
      runtimes.clear();
      handover.clear();
    },
  };
}
