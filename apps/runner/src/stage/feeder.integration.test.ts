// A feeder with a real consumer, queue and pool: what it commits when Redis loses a batch's job.
import { createKafka, type Kafka, type KafkaProducer } from "@sluice/kafka";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { QUEUE_PREFIX } from "../queue/prefix";
import { closeRedis, createRedis } from "../services/redis";
import { engineMetrics } from "../observe/engine-metrics";
import { createFeeder, type Feeder } from "./feeder";
import { createStagePool } from "./stage-pool";
import { createStageQueue, newJobRegistry, type StagePool, type StageQueue } from "../queue/stage-queue";
import { deleteMatching } from "../services/redis-keys";
import type { StageRuntime } from "./stage-step";
import { mapToTopicStage, stageTopic } from "../../test/stage-runtime";
import { DEFAULT_ENGINE_SETTINGS } from "../settings";

describe("feeder", () => {
  let kafka: Kafka;
  let redis: Redis;
  let producer: KafkaProducer;
  let runtime: StageRuntime;
  let inTopic: string;
  const pipelineId = uniqueName("feeder-test");
  const outName = uniqueName("feeder-out");
  const outTopic = stageTopic(outName);
  const closers: { close(): Promise<void> }[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "feeder-test", log: testLogger });
    redis = createRedis(testServices.redisUrl, testLogger, "feeder-test");
    await redis.connect();
    producer = kafka.producer({ name: "feeder-test" });
    runtime = await mapToTopicStage(pipelineId, outName);
    inTopic = runtime.stage.inputTopics[0]!;
    await kafka.admin.createTopics([
      { topic: inTopic, partitions: 1 },
      { topic: outTopic, partitions: 1 },
    ]);
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c.close().catch(() => undefined);
    for (const name of queues) await deleteMatching(redis, `${QUEUE_PREFIX}:${name}:*`);
    await producer.close();
    await kafka.admin.deleteTopics([inTopic, outTopic]).catch(() => undefined);
    await kafka.close();
    await closeRedis(redis);
  });

  const written = async () => (await kafka.admin.endOffsets([outTopic])).reduce((sum, o) => sum + o.offset, 0n);
  const committed = async (groupId: string) =>
    (await kafka.admin.committedOffsets(groupId, [inTopic])).reduce((max, o) => (o.offset > max ? o.offset : max), -1n);

  it("runs a batch again when Redis lost its job, and commits nothing past it until it ran", async () => {
    const end = Number((await kafka.admin.endOffsets([inTopic]))[0]!.offset);
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({
        topic: inTopic,
        key: `u-${i % 3}`,
        value: JSON.stringify({ id: `lost-${i}`, type: "click" }),
      })),
    );
    const queueName = uniqueName("stage.feeder-lost");
    queues.push(queueName);
    const groupId = uniqueName("feeder-lost");
    const registry = newJobRegistry();
    // No pool yet: the batch's job waits in Redis.
    const queue: StageQueue = await createStageQueue(
      queueName,
      redis,
      DEFAULT_ENGINE_SETTINGS.pool,
      testLogger,
      registry,
      { sweepMs: 200, outcomeWaitMs: 300 },
    );
    closers.push(queue);
    const feeder: Feeder = createFeeder({
      kafka,
      groupId,
      topics: [inTopic],
      startFrom: "earliest",
      queue,
      settings: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxBatchRecords: 100, lingerMs: 50 },
      log: testLogger,
    });
    // abort: a failed test must not wait for a batch no pool will ever run.
    closers.push({ close: () => feeder.abort() });
    await feeder.start();

    // Job hashes (ids are "<partition>-<first offset>-<random>"), not their payload keys.
    const jobKeys = async () =>
      (await redis.keys(`${QUEUE_PREFIX}:${queueName}:*`)).filter(
        (k) => !k.includes(":payload:") && /:\d+-\d+-[0-9a-f]{8}$/.test(k),
      );
    const [first] = await eventually(async () => {
      const keys = await jobKeys();
      expect(keys).toHaveLength(1);
      return keys;
    });
    // Redis loses the queue (job, wait list, payload) before any worker ran the batch.
    await deleteMatching(redis, `${QUEUE_PREFIX}:${queueName}:*`);

    // The feeder hears "vanished" and submits the batch again under a new job id.
    const [second] = await eventually(async () => {
      const keys = await jobKeys();
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toBe(first);
      return keys;
    });
    expect(second).toBeDefined();
    expect(await written()).toBe(0n);
    expect(await committed(groupId)).toBeLessThanOrEqual(BigInt(end));

    // A pool appears: the batch runs once, and only then is its offset committed.
    const pool: StagePool = createStagePool(queueName, runtime, {
      producer,
      redis,
      metrics: engineMetrics(new Registry()),
      log: testLogger,
      connection: redis,
      settings: DEFAULT_ENGINE_SETTINGS.pool,
      workerName: "feeder-test",
      registry,
    });
    closers.push(pool);
    await eventually(async () => expect(await committed(groupId)).toBe(BigInt(end + 10)));
    expect(await written()).toBe(10n);
  });
});
