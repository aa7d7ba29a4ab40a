// Everything one deployment runs in this process: its topics (created if missing), a queue, worker
// pool and feeder per stage, and its generator loops (sources/generator.ts). HTTP ingest looks its
// entries up by path key.
import type { Redis } from "ioredis";
import { createKafka, type Kafka, type KafkaProducer } from "@sluice/kafka";
import {
  defaultPartitionKey,
  type EventRecord,
  type NodeConfig,
  type NodeTypeId,
  type PipelineSettings,
  webhookSlotKey,
} from "@sluice/shared";
import type { Logger } from "../log";
import type { EngineMetrics } from "../observe/engine-metrics";
import { createNodeRuntime, type NodeRuntime } from "../stage/executors";
import { preflightConnection, type ConnectionOptions } from "./kafka-connections";
import { createFeeder, type Feeder, type FeederSettings } from "../stage/feeder";
import { createNodeHealth, type NodeStatus } from "../observe/node-health";
import { observeNode } from "../stage/observed-node";
import type { RegistryClient } from "@sluice/schema-registry";
import { valueDecoder } from "../stage/schema-registries";
import { planNodeIds, type Plan } from "@sluice/shared";
import { startGenerator } from "../sources/generator";
import {
  createStageQueue,
  type JobRegistry,
  type PoolSettings,
  stageQueueName,
  type StagePool,
  type StageQueue,
} from "../queue/stage-queue";
import { createStagePool } from "../stage/stage-pool";
import { buildFencedTopics, buildTopicKeys, sendOnceTopics } from "../stage/stage-step";
import { combineTargets as buildCombineTargets } from "../stage/combine";
import { applyStartPosition } from "./start-position";
import type { StartPosition } from "@sluice/db";
import { type WatermarkTarget, watermarkTopics } from "../stage/source-watermarks";
import { rollingFeederSettings } from "../stage/s3-roll";
import type { RateLimiter } from "../services/rate-limiter";

export type DeploymentSpec = {
  deploymentId: string;
  workspaceId: string;
  pipelineId: string;
  versionId: string;
  /** earliest/latest: the stage groups' offsets (and stateful checkpoints) are reset once, at the first start. */
  startPosition: StartPosition;
  plan: Plan;
  /** The pipeline's own settings (its topic settings are already merged into the plan's). */
  settings?: PipelineSettings;
};

export type RuntimeDeps = {
  kafka: Kafka;
  producer: KafkaProducer;
  redis: Redis;
  metrics: EngineMetrics;
  log: Logger;
  runnerId: string;
  feeder: FeederSettings;
  pool: PoolSettings;
  /** The engine's stage pools and waiting feeders (the local path); default the process's. */
  jobs?: JobRegistry;
  idlePartitionMs: number;
  /** Empty batches for idle partitions of stateful stages, so windows fire. */
  tickMs: number;
  /** Writers of a window's input send combiner partials where the window allows (stage/combine.ts). Default true. */
  windowCombiner?: boolean;
  /** The operator allows webhook sinks to reach private/loopback hosts (ALLOW_PRIVATE_WEBHOOKS). */
  allowPrivateWebhooks: boolean;
  /** Webhook sinks' send schedules, shared by every process running a deployment. */
  limiter: RateLimiter;
  secret(workspaceId: string, secretId: string): Promise<string>;
  /** The secret's name, for logs and errors. */
  secretName(workspaceId: string, secretId: string): Promise<string>;
  /** A Kafka connection of the workspace (kafka-source / kafka-sink through it); throws when it is not the workspace's. */
  connection(workspaceId: string, connectionId: string): Promise<ConnectionOptions>;
  /** A schema registry of the workspace (registry value formats); throws when it is not the workspace's. */
  schemaRegistry?(workspaceId: string, registryId: string): Promise<RegistryClient>;
};

export type DeploymentRuntime = {
  spec: DeploymentSpec;
  /** Live per-node health in this process (see node-health.ts). */
  readonly nodeStatus: Record<string, NodeStatus>;
  /** The message key for an event written to one of this plan's topics (window inputs need their group key). */
  keyFor(topic: string, event: EventRecord): string | null;
  /** Per stage in this process: its queue (job counts), feeder (oldest unprocessed record) and pool size. */
  stages: { stageId: string; queue: StageQueue; feeder: Feeder; concurrency: number }[];
  /** drain: finish and commit what was read; abort: leave at once (tests simulate a crash with it). */
  stop(mode: "drain" | "abort"): Promise<void>;
};

/** What HTTP ingest needs of a deployment: its plan (ingest entries and topics) and the key of each event. */
export type IngestSource = Pick<DeploymentRuntime, "spec" | "keyFor">;

/**
 * Starts a deployment in this process. `onIngestReady` is called once its topics exist and its start
 * position is applied, before its consumers join their groups (the slow part, a rebalance with every
 * other process running it): from then on HTTP ingest may write to it, so a process that is still
 * joining does not refuse events for a deployment another process already reports running.
 */
export async function startDeployment(
  spec: DeploymentSpec,
  deps: RuntimeDeps,
  onIngestReady?: (source: IngestSource) => void,
): Promise<DeploymentRuntime> {
  const { plan } = spec;
  const log = deps.log.child({ deploymentId: spec.deploymentId, pipelineId: spec.pipelineId });
  await ensureTopics(plan, deps.kafka, log, spec.settings?.topics.retentionHours !== undefined);
  // One client per workspace connection this deployment uses, closed with it.
  const clusters = new Map<string, Promise<Kafka>>();
  const kafkaFor = (connectionId: string) => {
    let kafka = clusters.get(connectionId);
    if (!kafka) {
      const users = plan.stages.flatMap((s) =>
        s.nodes.filter((n) => (n.config as { connectionId?: string }).connectionId === connectionId).map((n) => n.id),
      );
      kafka = deps.connection(spec.workspaceId, connectionId).then(async (options) => {
        await preflightConnection(options, `${deps.runnerId}-${connectionId}-check`, users);
        return createKafka({ ...options, clientId: `${deps.runnerId}-${connectionId}`, log });
      });
      clusters.set(connectionId, kafka);
    }
    return kafka;
  };
  // One client per schema registry this deployment uses (schemas and codecs cached by id within it).
  const registries = new Map<string, Promise<RegistryClient>>();
  const registryFor = (registryId: string) => {
    let client = registries.get(registryId);
    if (!client) {
      if (!deps.schemaRegistry) return Promise.reject(new Error("this runner has no schema registry access"));
      client = deps.schemaRegistry(spec.workspaceId, registryId);
      registries.set(registryId, client);
    }
    return client;
  };
  const closeClusters = () => Promise.allSettled([...clusters.values()].map(async (kafka) => (await kafka).close()));
  const connected = new Map<string, Kafka>();
  try {
    for (const connectionId of new Set(plan.stages.flatMap((s) => (s.connectionId ? [s.connectionId] : []))))
      connected.set(connectionId, await kafkaFor(connectionId));
  } catch (error) {
    await closeClusters();
    throw error;
  }
  const batch = spec.settings?.batch;
  const feederSettings: FeederSettings = {
    ...deps.feeder,
    ...(batch?.maxRecords !== undefined ? { maxBatchRecords: batch.maxRecords } : {}),
    ...(batch?.maxBytes !== undefined ? { maxBatchBytes: batch.maxBytes } : {}),
    ...(batch?.lingerMs !== undefined ? { lingerMs: batch.lingerMs } : {}),
  };
  await applyStartPosition(spec.deploymentId, spec.startPosition, plan, {
    kafka: deps.kafka,
    kafkaOf: (stage) => (stage.connectionId ? connected.get(stage.connectionId) : undefined),
    redis: deps.redis,
    runnerId: deps.runnerId,
    log,
  });
  const topicKey = buildTopicKeys(plan);
  const keyFor = (topic: string, event: EventRecord) => topicKey.get(topic)?.(event) ?? defaultPartitionKey(event);
  onIngestReady?.({ spec, keyFor });

  const closers: { queues: StageQueue[]; pools: StagePool[]; feeders: Feeder[]; runtimes: NodeRuntime[] } = {
    queues: [],
    pools: [],
    feeders: [],
    runtimes: [],
  };
  const stopGenerators: (() => Promise<void>)[] = [];
  const health = createNodeHealth(planNodeIds(plan));
  const stages: DeploymentRuntime["stages"] = [];
  const fencedTopics = buildFencedTopics(plan);
  // Windows' and sessionizes' inputs get watermark records in every partition from their writers,
  // which carry their own input's partition count: both counted once here.
  const watermarkTargets = new Map<string, WatermarkTarget>();
  const partitionCount = async (kafka: Kafka, topic: string) => (await kafka.admin.endOffsets([topic])).length;
  for (const [topic, eventTimeField] of watermarkTopics(plan))
    watermarkTargets.set(topic, { eventTimeField, partitions: await partitionCount(deps.kafka, topic) });
  const combineTargets =
    deps.windowCombiner === false
      ? undefined
      : buildCombineTargets(plan, (topic) => watermarkTargets.get(topic)?.partitions);
  const writesWatermarks = (stage: Plan["stages"][number]) =>
    !stage.stateful &&
    Object.values(stage.routes).some((ports) =>
      Object.values(ports).some((r) => r.topic !== undefined && watermarkTargets.has(r.topic)),
    );
  const startFrom = spec.startPosition === "latest" ? "latest" : "earliest";

  const stopAll = async (mode: "drain" | "abort") => {
    await Promise.all(stopGenerators.map((stop) => stop()));
    // Feeders first (drain waits for their jobs), then pools, then the queues' event streams.
    await Promise.allSettled(closers.feeders.map((f) => (mode === "drain" ? f.drain() : f.abort())));
    await Promise.allSettled(closers.pools.map((p) => p.close(mode === "abort")));
    await Promise.allSettled(closers.queues.map((q) => q.close()));
    await Promise.allSettled(closers.runtimes.map((r) => ("close" in r && r.close ? r.close() : Promise.resolve())));
    await closeClusters();
  };

  const starting: Promise<void>[] = [];
  try {
    for (const stage of plan.stages) {
      const runtimes = new Map<string, NodeRuntime>();
      for (const node of stage.nodes) {
        const runtime = await createNodeRuntime(node.type, nodeConfig(node, deps), {
          workspaceId: spec.workspaceId,
          pipelineId: spec.pipelineId,
          nodeId: node.id,
          log: log.child({ node: node.id }),
          secret: (id) => deps.secret(spec.workspaceId, id),
          secretName: (id) => deps.secretName(spec.workspaceId, id),
          kafka: kafkaFor,
          registry: registryFor,
          sendSlot: (spacingMs) =>
            deps.limiter.reserve(webhookSlotKey(spec.workspaceId, spec.deploymentId, node.id), spacingMs),
        });
        runtimes.set(node.id, observeNode(node.id, runtime, health));
        closers.runtimes.push(runtime);
      }
      // A kafka-source heads its stage: values in another format than JSON are decoded by its decoder.
      const head = stage.nodes[0];
      const sourceConfig = head?.type === "kafka-source" ? (head.config as NodeConfig<"kafka-source">) : undefined;
      const decoder = sourceConfig
        ? valueDecoder(
            sourceConfig.valueFormat,
            sourceConfig.registryId ? await registryFor(sourceConfig.registryId) : undefined,
          )
        : undefined;
      const expectedPartitions = writesWatermarks(stage)
        ? await backlogPartitions(
            (stage.connectionId ? connected.get(stage.connectionId) : undefined) ?? deps.kafka,
            stage,
            startFrom,
            log,
          )
        : undefined;
      const sendOnce = sendOnceTopics(plan, stage);
      // Checkpointed stages (stateful, or sending a stateful node's results once) run one batch per
      // partition at a time, in offset order, and get ticks (so an outbox a dead sender left goes out).
      const checkpointed = stage.stateful || sendOnce.size > 0;
      const name = stageQueueName(spec.deploymentId, stage.id);
      const concurrency = stage.stateful ? Math.max(deps.pool.concurrency, 1) : deps.pool.concurrency;
      const queue = await createStageQueue(name, deps.redis, deps.pool, log, deps.jobs);
      closers.queues.push(queue);
      closers.pools.push(
        createStagePool(
          name,
          {
            plan,
            stage,
            runtimes,
            topicKey,
            fencedTopics,
            watermarkTargets,
            ...(combineTargets ? { combineTargets } : {}),
            ...(expectedPartitions ? { expectedPartitions } : {}),
            ...(decoder ? { decoder } : {}),
            ...(sendOnce.size > 0 ? { sendOnce } : {}),
          },
          {
            producer: deps.producer,
            redis: deps.redis,
            metrics: deps.metrics,
            log,
            idlePartitionMs: deps.idlePartitionMs,
            connection: deps.redis,
            settings: { ...deps.pool, concurrency },
            workerName: deps.runnerId,
            ...(deps.jobs ? { registry: deps.jobs } : {}),
          },
        ),
      );
      const feeder = createFeeder({
        kafka: (stage.connectionId ? connected.get(stage.connectionId) : undefined) ?? deps.kafka,
        groupId: stage.groupId,
        topics: stage.inputTopics,
        startFrom,
        queue,
        ...(decoder?.binary ? { binaryValues: true } : {}),
        settings: rollingFeederSettings(
          stage,
          checkpointed ? { ...feederSettings, maxInFlightPerPartition: 1 } : feederSettings,
        ),
        ...(checkpointed ? { tickMs: deps.tickMs } : {}),
        log,
      });
      // The feeders start together: each joins its consumer group, and while another process runs the
      // deployment every join is a rebalance of about a second; one after another, they added up.
      starting.push(feeder.start().then(() => void closers.feeders.push(feeder)));
      stages.push({ stageId: stage.id, queue, feeder, concurrency });
    }
    // A feeder that failed to start has stopped itself; those that started are aborted below.
    const failed = (await Promise.allSettled(starting)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    for (const generator of plan.generators) {
      stopGenerators.push(
        startGenerator({
          pipelineId: spec.pipelineId,
          generator,
          deps,
          log,
          health,
          keyOf: (event) => topicKey.get(generator.topic)?.(event) ?? defaultPartitionKey(event),
        }),
      );
    }
  } catch (error) {
    // Feeders still joining when a later stage failed: let them finish starting, then abort them too.
    await Promise.allSettled(starting);
    await stopAll("abort");
    throw error;
  }
  log.info({ stages: plan.stages.length, topics: plan.topics.length }, "deployment started");
  return {
    spec,
    get nodeStatus() {
      return health.status();
    },
    keyFor,
    stages,
    stop: stopAll,
  };
}

/**
 * Per input topic of a stage, the partitions with records it has yet to read (end offset past the
 * group's committed offset, or past the log start / end for a new group). Its watermark records list
 * them, so the window downstream waits for each to report once before its watermark moves: in a
 * catch-up, a source partition whose first batch runs later cannot find its windows closed.
 */
async function backlogPartitions(
  kafka: Kafka,
  stage: Plan["stages"][number],
  startFrom: "earliest" | "latest",
  log: Logger,
): Promise<Map<string, number[]>> {
  const result = new Map<string, number[]>();
  try {
    const [ends, starts, committed] = await Promise.all([
      kafka.admin.endOffsets(stage.inputTopics),
      kafka.admin.startOffsets(stage.inputTopics),
      kafka.admin.committedOffsets(stage.groupId, stage.inputTopics),
    ]);
    const key = (o: { topic: string; partition: number }) => `${o.topic}\u0000${o.partition}`;
    const from = new Map(committed.map((o) => [key(o), o.offset]));
    const first = new Map(starts.map((o) => [key(o), o.offset]));
    for (const end of ends) {
      const at = from.get(key(end)) ?? (startFrom === "latest" ? end.offset : (first.get(key(end)) ?? 0n));
      if (end.offset > at) result.set(end.topic, [...(result.get(end.topic) ?? []), end.partition]);
    }
  } catch (err) {
    log.warn({ err, stage: stage.id }, "could not read the stage's backlog: its watermark records expect no partition");
  }
  return result;
}

/**
 * A node's config as the runner applies it. A webhook sink's "allow private addresses" (an s3-sink's
 * "allow a private endpoint") is the pipeline author's wish; it takes effect only where the operator allows it too, so a workspace editor cannot
 * make the runner call internal services.
 */
function nodeConfig(node: Plan["stages"][number]["nodes"][number], deps: RuntimeDeps): NodeConfig<NodeTypeId> {
  if (node.type === "webhook-sink" && !deps.allowPrivateWebhooks)
    return { ...(node.config as NodeConfig<"webhook-sink">), allowPrivateAddresses: false };
  if (node.type === "s3-sink" && !deps.allowPrivateWebhooks)
    return { ...(node.config as NodeConfig<"s3-sink">), allowPrivateEndpoint: false };
  return node.config;
}

/**
 * Creates the plan's missing topics with its settings. Existing topics keep their replication, and
 * their retention unless the pipeline sets its own (then it is applied, and logged); one with fewer
 * partitions than the settings ask for is grown only when no stage keeps keyed state (growing moves
 * keys to other partitions, which would split a window's or dedup's state), otherwise it is left as
 * it is and a warning logged. Kafka cannot shrink a topic.
 */
async function ensureTopics(plan: Plan, kafka: Kafka, log: Logger, ownRetention: boolean): Promise<void> {
  const managed = plan.topics.filter((t) => t.managed);
  const { existing } = await kafka.admin.createTopics(
    managed.map((t) => ({
      topic: t.name,
      partitions: plan.settings.partitions,
      replicationFactor: plan.settings.replicationFactor,
      config: { "retention.ms": String(plan.settings.retentionMs) },
    })),
  );
  // A kafka-sink's destination may be someone else's topic: never resized.
  const ours = new Set(managed.filter((t) => t.kind !== "sink").map((t) => t.name));
  const described = await kafka.admin.describeTopics(existing.filter((t) => ours.has(t)));
  const retention = String(plan.settings.retentionMs);
  for (const topic of ownRetention ? described.filter((t) => t.config["retention.ms"] !== retention) : []) {
    await kafka.admin.setTopicConfig(topic.topic, { "retention.ms": retention });
    log.info(
      { topic: topic.topic, from: topic.config["retention.ms"] ?? "broker default", to: retention },
      "topic retention changed to the pipeline's setting",
    );
  }
  const small = described.filter((t) => t.partitions.length < plan.settings.partitions);
  if (small.length === 0) return;
  const keyed = plan.stages.some((s) => s.stateful);
  for (const topic of small) {
    if (keyed) {
      log.warn(
        { topic: topic.topic, partitions: topic.partitions.length, wanted: plan.settings.partitions },
        "topic not grown: the pipeline keeps keyed state per partition",
      );
      continue;
    }
    await kafka.admin.addPartitions(topic.topic, plan.settings.partitions);
    log.info(
      { topic: topic.topic, from: topic.partitions.length, to: plan.settings.partitions },
      "topic partitions increased",
    );
  }
}
