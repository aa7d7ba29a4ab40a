// Converges what this process runs with the desired state in Postgres: on start, on every
// `sluice:deployments:changed` message and every few seconds (messages can be missed). Stops come
// before starts, so a redeploy drains the old version's stages (committing what they finished)
// before the new version joins the same consumer groups: each offset is processed by exactly one of
// them. Every runner process runs every deployment; Kafka's group protocol splits the partitions.
//
// The parts: plan-deployment.ts (which rows, which plan), handover.ts (ingest during a redeploy),
// node-status.ts (merged node health to Postgres), deployment-cleanup.ts (queues of stopped
// deployments), serial-passes.ts (passes never overlap). Starting one deployment is the function the
// wiring passes in (deployment-runtime.ts's startDeployment with this process's dependencies).
import type { Redis } from "ioredis";
import type { ControlDb, DeploymentStatusUpdate } from "../services/control-db";
import { DEPLOYMENTS_CHANNEL, type Plan, type PipelineSettings, planNodeIds, type TopicSettings } from "@sluice/shared";
import type { Logger } from "../log";
import type { DeploymentRuntime, DeploymentSpec, IngestSource } from "./deployment-runtime";
import { removeDeploymentKeys, sweepStoppedQueues } from "./deployment-cleanup";
import { ingestSourcesOf, updateHandover } from "./handover";
import { writeNodeStatus } from "./node-status";
import { planDeployment, shouldStart } from "./plan-deployment";
import type { DesiredDeployment } from "../services/control-db";
import { createSerialPasses } from "./serial-passes";
import { type CatchUp, createCatchUp } from "./catch-up";
import { NodeStartError } from "./kafka-connections";
import { type NodeStatus, pipelineHealth } from "../observe/node-health";

export type ReconcilerOptions = {
  db: ControlDb;
  redis: Redis;
  /** A second connection for SUBSCRIBE (a subscribed connection cannot run commands). */
  subscriber: Redis;
  log: Logger;
  runnerId: string;
  /** Topic settings of new pipeline topics; a pipeline's own settings override them. */
  topics: TopicSettings;
  /**
   * Starts one deployment in this process; throws when it cannot (retried on the next pass). Calls
   * `onIngestReady` as soon as HTTP ingest may write to it (before it is running).
   */
  startDeployment(spec: DeploymentSpec, onIngestReady: (source: IngestSource) => void): Promise<DeploymentRuntime>;
  /** Default 5000 ms. */
  intervalMs?: number;
  /** How often node health is compared with what was written to Postgres (written on change). Default 2000 ms. */
  healthIntervalMs?: number;
  /** Only run deployments of these workspaces (sharding, tests). Default: all. */
  workspaceIds?: string[];
};

export type Reconciler = {
  start(): Promise<void>;
  /** Runs one pass now (and waits for it). */
  reconcile(): Promise<void>;
  running(): DeploymentRuntime[];
  /**
   * Whether something not found here appears after a fresh pass (see catch-up.ts); "pending" until a
   * pass has completed (without failing as a whole): until then a deployment that should run here may
   * not be started yet, so "not running" is not an answer (HTTP ingest and views say 503).
   */
  catchUp: CatchUp;
  /**
   * Where HTTP ingest may write: running deployments, deployments starting here whose topics are ready
   * (another process or runner may already report them running), and during a redeploy the old version
   * of a pipeline until the new one is ready (its ingest topic is the same), so clients see no 401 gap.
   */
  ingestSources(): IngestSource[];
  /** drain: stop deployments cleanly; abort: drop everything uncommitted (crash simulation). */
  stop(mode?: "drain" | "abort"): Promise<void>;
};

/** The longest wait between start attempts of a deployment whose Kafka connection refuses it. */
const CONNECTION_RETRY_MAX_MS = 60_000;

const allNodes = (plan: Plan, state: "starting" | "stopped") =>
  Object.fromEntries(planNodeIds(plan).map((id) => [id, { state }]));

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const log = options.log.child({ module: "reconciler" });
  const runtimes = new Map<string, DeploymentRuntime>();
  /** Deployments still starting in this process whose ingest is ready (see ingestSources). */
  const starting = new Map<string, IngestSource>();
  const handover = new Map<string, DeploymentRuntime>();
  /** Deployments whose graph cannot be planned: not retried until their row changes. */
  const unplannable = new Map<string, Date>();
  /** Deployments whose Kafka connection refused them: retried with exponential backoff, not every pass. */
  const backoff = new Map<string, { failures: number; retryAt: number }>();
  let timer: NodeJS.Timeout | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const healthInterval = options.healthIntervalMs ?? 2000;
  /** The node status last written per deployment, so only changes are written. */
  const written = new Map<string, string>();
  let stopped = false;
  let passed = false;

  const setStatus = (id: string, data: DeploymentStatusUpdate) =>
    options.db
      .updateDeployment(id, data)
      .catch((err: unknown) => log.warn({ err, deploymentId: id }, "status write failed"));

  /** Drains a deployment no longer wanted, removes its queues when no process uses them, marks it stopped. */
  async function stopDeployment(runtime: DeploymentRuntime) {
    const id = runtime.spec.deploymentId;
    await setStatus(id, { status: "stopping" });
    await runtime.stop("drain");
    runtimes.delete(id);
    await removeDeploymentKeys(
      id,
      runtime.spec.plan.stages.map((s) => s.id),
      options.redis,
    ).catch((err: unknown) => log.warn({ err, deploymentId: id }, "stage queue cleanup failed"));
    written.delete(id);
    await setStatus(id, {
      status: "stopped",
      stoppedAt: new Date(),
      statusReason: null,
      nodeStatus: allNodes(runtime.spec.plan, "stopped"),
    });
    log.info({ deploymentId: id }, "deployment stopped");
  }

  /** Plans and starts a wanted deployment; one that cannot be planned is marked failing and left until its row changes. */
  async function startWanted(row: DesiredDeployment) {
    const { planned, settings } = planDeployment(row, options.topics);
    if (!planned.ok) {
      log.warn({ deploymentId: row.id, reason: planned.reason }, "deployment cannot be planned");
      await setStatus(row.id, { status: "failing", statusReason: planned.reason });
      const updatedAt = await options.db.deploymentUpdatedAt(row.id);
      if (updatedAt) unplannable.set(row.id, updatedAt);
      return;
    }
    await startPlanned(row, planned.plan, settings);
  }

  async function startPlanned(row: DesiredDeployment, plan: Plan, settings: PipelineSettings) {
    if (row.status !== "running")
      await setStatus(row.id, { status: "starting", statusReason: null, nodeStatus: allNodes(plan, "starting") });
    try {
      const runtime = await options
        .startDeployment(
          {
            deploymentId: row.id,
            workspaceId: row.workspaceId,
            pipelineId: row.pipelineId,
            versionId: row.versionId,
            startPosition: row.startPosition,
            plan,
            settings,
          },
          (source) => starting.set(row.id, source),
        )
        .finally(() => starting.delete(row.id));
      runtimes.set(row.id, runtime);
      backoff.delete(row.id);
      handover.delete(row.pipelineId);
      const nodeStatus = runtime.nodeStatus;
      written.set(row.id, JSON.stringify(nodeStatus));
      await setStatus(row.id, {
        status: "running",
        statusReason: null,
        startedAt: new Date(),
        stoppedAt: null,
        nodeStatus,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof NodeStartError) {
        // The nodes fail with the reason, as a failing sink does; the retry waits longer each time.
        const failures = (backoff.get(row.id)?.failures ?? 0) + 1;
        const delay = Math.min((options.intervalMs ?? 5000) * 2 ** (failures - 1), CONNECTION_RETRY_MAX_MS);
        backoff.set(row.id, { failures, retryAt: Date.now() + delay });
        log.warn({ deploymentId: row.id, nodes: err.nodeIds, reason, retryInMs: delay }, "deployment failed to start");
        const nodeStatus: Record<string, NodeStatus> = {
          ...allNodes(plan, "starting"),
          ...Object.fromEntries(
            err.nodeIds.map((id) => [id, { state: "failing" as const, reason: reason.slice(0, 500) }]),
          ),
        };
        await setStatus(row.id, {
          status: "failing",
          statusReason: (pipelineHealth(nodeStatus).reason ?? reason).slice(0, 1000),
          nodeStatus,
        });
        return;
      }
      log.error({ err, deploymentId: row.id }, "deployment failed to start; retrying on the next pass");
      await setStatus(row.id, { status: "failing", statusReason: reason.slice(0, 1000) });
    }
  }

  async function pass() {
    const desired = await options.db.desiredDeployments(options.workspaceIds);
    const wanted = new Set(desired.map((d) => d.id));
    for (const id of backoff.keys()) if (!wanted.has(id)) backoff.delete(id);
    // 1. Stop what is no longer wanted, and wait: the new version must not start before the old drained.
    const stopping = [...runtimes.values()].filter((r) => !wanted.has(r.spec.deploymentId));
    updateHandover(handover, stopping, new Set(desired.map((d) => d.pipelineId)));
    await Promise.all(stopping.map(stopDeployment));
    // 2. Start what is wanted and not running here.
    for (const row of desired) {
      if (stopped) return;
      if ((backoff.get(row.id)?.retryAt ?? 0) > Date.now()) continue;
      if (shouldStart(row, runtimes, unplannable)) await startWanted(row);
    }
  }

  const passes = createSerialPasses(
    async () => {
      await pass();
      passed = true;
    },
    { skip: () => stopped, onError: (err) => log.error({ err }, "reconcile pass failed") },
  );
  const reconcile = () => passes.request();
  const catchUp = createCatchUp(reconcile, { ready: () => passed });

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
        writing ??= writeNodeStatus(
          {
            db: options.db,
            redis: options.redis,
            runnerId: options.runnerId,
            log,
            freshMs: 5 * healthInterval,
          },
          runtimes,
          written,
        )
          .catch((err: unknown) => log.warn({ err }, "node status update failed"))
          .finally(() => (writing = undefined));
      }, healthInterval);
      let sweeping: Promise<void> | undefined;
      const sweep = () => {
        sweeping ??= sweepStoppedQueues({ db: options.db, redis: options.redis, log }, (id) => runtimes.has(id))
          .catch((err: unknown) => log.warn({ err }, "stage queue sweep failed"))
          .finally(() => (sweeping = undefined));
      };
      sweep();
      sweepTimer = setInterval(sweep, 60_000);
    },
    reconcile,
    running: () => [...runtimes.values()],
    catchUp,
    ingestSources: () => ingestSourcesOf<IngestSource>([...runtimes.values(), ...starting.values()], handover),
    async stop(mode = "drain") {
      stopped = true;
      if (timer) clearInterval(timer);
      if (healthTimer) clearInterval(healthTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      await passes.idle();
      await Promise.all([...runtimes.values()].map((r) => r.stop(mode)));
      runtimes.clear();
      handover.clear();
    },
  };
}
