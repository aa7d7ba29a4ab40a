// A stage queue and a worker pool that do not share a process registry (as two runner processes): the
// worker reads the batch from its payload key, runs the stage, and the feeder side hears the outcome
// over Redis pub/sub. In one process the batch is taken from memory; both paths must give the same result.
import { createKafka, type Kafka, type KafkaProducer } from "@sluice/kafka";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graph } from "../../test/graphs";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { QUEUE_PREFIX } from "../queue";
import { closeRedis, createRedis } from "../services/redis";
import { engineMetrics } from "./engine-metrics";
import { createNodeRuntime, type NodeRuntime } from "./executors";
import { compilePlan } from "./plan";
import { deleteMatching } from "./redis-keys";
import { createStagePool, createStageQueue, DEFAULT_POOL_SETTINGS, type JobRegistry, type StagePool, type StageQueue } from "./pool";
import { buildTopicKeys, type StageRuntime } from "./stage-step";

describe("stage queue and pool", () => {
  let kafka: Kafka;
  let redis: Redis;
  let producer: KafkaProducer;
  let runtime: StageRuntime;
  const outTopic = uniqueName("pool-out");
  const queueName = uniqueName("stage.pool-test");
  const closers: (StageQueue | StagePool)[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "pool-test", log: testLogger });
    redis = createRedis(testServices.redisUrl, testLogger, "pool-test");
    await redis.connect();
    producer = kafka.producer({ name: "pool-test" });
    await kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    const compiled = compilePlan({
      workspaceId: "ws",
      pipelineId: "pool-test",
      graph: graph(
        [
          { id: "ingest", type: "http-ingest" },
          { id: "map", type: "map", config: { assignments: [{ target: "seen", expression: "true" }] } },
          { id: "out", type: "kafka-sink", config: { topic: outTopic } },
        ],
        [["ingest", "map"], ["map", "out"]],
      ),
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    const plan = compiled.plan;
    const stage = plan.stages[0]!;
    const runtimes = new Map<string, NodeRuntime>();
    for (const node of stage.nodes) {
      runtimes.set(node.id, await createNodeRuntime(node.type, node.config, { workspaceId: "ws", pipelineId: plan.pipelineId, nodeId: node.id, log: testLogger, secret: () => Promise.reject(new Error("no secrets")) }));
    }
    runtime = { plan, stage, runtimes, topicKey: buildTopicKeys(plan) };
  });

  afterAll(async () => {
    for (const c of closers) await c.close();
    const keys = await redis.keys(`${QUEUE_PREFIX}:${queueName}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await producer.close();
    await kafka.admin.deleteTopics([outTopic]).catch(() => undefined);
    await kafka.close();
    await closeRedis(redis);
  });

  const batch = (first: number, n: number) => ({
    version: "v1" as const,
    topic: "sluice.ws.pool-test.ingest.out",
    partition: 0,
    records: Array.from({ length: n }, (_, i) => ({ o: String(first + i), k: `u-${i}`, v: JSON.stringify({ id: `e-${first + i}`, note: 'a "quoted"\nline' }) })),
  });
  const written = async () => (await kafka.admin.endOffsets([outTopic])).reduce((sum, o) => sum + o.offset, 0n);

  it("runs a batch submitted by another process from its payload key and reports back over pub/sub", async () => {
    const feederSide: JobRegistry = { waiters: new Map(), batches: new Map() };
    const workerSide: JobRegistry = { waiters: new Map(), batches: new Map() };
    const queue = await createStageQueue(queueName, redis, { ...DEFAULT_POOL_SETTINGS, backoffMs: 50 }, testLogger, feederSide);
    closers.push(queue);
    const metrics = engineMetrics(new Registry());
    closers.push(
      createStagePool(queueName, runtime, { producer, redis, metrics, log: testLogger, connection: redis, settings: DEFAULT_POOL_SETTINGS, workerName: "pool-test", registry: workerSide }),
    );

    await queue.run(batch(0, 3), "remote-1");
    expect(await written()).toBe(3n);
    // The worker had nothing in memory: it read the payload, and deleted it once the job completed.
    expect(workerSide.batches.size).toBe(0);
    await eventually(async () => expect(await redis.exists(`${QUEUE_PREFIX}:${queueName}:payload:remote-1`)).toBe(0));
    expect(feederSide.waiters.size).toBe(0);
    expect(feederSide.batches.size).toBe(0);
    expect(metrics.stats.get("pool-test", "map").in).toBe(3);
  });

  it("runs a batch of its own process from memory, with the same result", async () => {
    const shared: JobRegistry = { waiters: new Map(), batches: new Map() };
    const queue = await createStageQueue(queueName, redis, DEFAULT_POOL_SETTINGS, testLogger, shared);
    closers.push(queue);
    const before = await written();
    // A queue of this registry only: the other test's worker (another "process") may still take the job.
    closers.push(
      createStagePool(queueName, runtime, { producer, redis, metrics: engineMetrics(new Registry()), log: testLogger, connection: redis, settings: DEFAULT_POOL_SETTINGS, workerName: "pool-test", registry: shared }),
    );
    await Promise.all([queue.run(batch(10, 2), "local-1"), queue.run(batch(12, 2), "local-2")]);
    expect(await written()).toBe(before + 4n);
    expect(shared.waiters.size).toBe(0);
    expect(shared.batches.size).toBe(0);
  });

  it("fails (does not complete) a job that vanished from Redis before any worker ran it", async () => {
    // A queue no pool serves yet, with a quick sweep; Redis then loses the queue's keys (a restart
    // without persistence): the job was never run, so its offsets must not be committed.
    const lostQueue = uniqueName("stage.pool-lost");
    const registry: JobRegistry = { waiters: new Map(), batches: new Map() };
    const queue = await createStageQueue(lostQueue, redis, DEFAULT_POOL_SETTINGS, testLogger, registry, { sweepMs: 200, outcomeWaitMs: 300 });
    closers.push(queue);
    const outcome = queue.run(batch(20, 2), "lost-1").then(
      () => "completed",
      (error: Error) => error.message,
    );
    await eventually(async () => expect(await redis.exists(`${QUEUE_PREFIX}:${lostQueue}:lost-1`)).toBe(1));
    await deleteMatching(redis, `${QUEUE_PREFIX}:${lostQueue}:*`);
    expect(await outcome).toMatch(/lost-1 vanished/);
    expect(registry.waiters.size).toBe(0);
    expect(registry.batches.size).toBe(0);
  });
});
