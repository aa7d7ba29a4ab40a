// A stage queue and a worker pool that do not share a process registry (as two runner processes): the
// worker reads the batch from its payload key, runs the stage, and the feeder side hears the outcome
// over Redis pub/sub. In one process the batch is taken from memory; both paths must give the same result.
// On the local path (the default in one process) the queue hands the batch to its pool: no job at all.
import { createKafka, type Kafka, type KafkaProducer } from "@sluice/kafka";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { QUEUE_PREFIX } from "../queue/prefix";
import { closeRedis, createRedis } from "../services/redis";
import { engineMetrics } from "../observe/engine-metrics";
import { deleteMatching } from "../services/redis-keys";
import { createStagePool } from "./stage-pool";
import {
  type BatchProcessor,
  createBatchWorker,
  createStageQueue,
  newJobRegistry,
  originKey,
  type StagePool,
  type StageQueue,
} from "../queue/stage-queue";
import type { StageRuntime } from "./stage-step";
import { mapToTopicStage, stageTopic } from "../../test/stage-runtime";
import { DEFAULT_ENGINE_SETTINGS } from "../settings";

describe("stage queue and pool", () => {
  let kafka: Kafka;
  let redis: Redis;
  let producer: KafkaProducer;
  let runtime: StageRuntime;
  const outName = uniqueName("pool-out");
  const outTopic = stageTopic(outName);
  const queueName = uniqueName("stage.pool-test");
  const closers: (StageQueue | StagePool | { close(): Promise<void> })[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "pool-test", log: testLogger });
    redis = createRedis(testServices.redisUrl, testLogger, "pool-test");
    await redis.connect();
    producer = kafka.producer({ name: "pool-test" });
    await kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    runtime = await mapToTopicStage("pool-test", outName);
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
    records: Array.from({ length: n }, (_, i) => ({
      o: String(first + i),
      k: `u-${i}`,
      v: JSON.stringify({ id: `e-${first + i}`, note: 'a "quoted"\nline' }),
    })),
  });
  const written = async () => (await kafka.admin.endOffsets([outTopic])).reduce((sum, o) => sum + o.offset, 0n);

  it("runs a batch submitted by another process from its payload key and reports back over pub/sub", async () => {
    const feederSide = newJobRegistry();
    const workerSide = newJobRegistry();
    const queue = await createStageQueue(
      queueName,
      redis,
      { ...DEFAULT_ENGINE_SETTINGS.pool, backoffMs: 50 },
      testLogger,
      feederSide,
    );
    closers.push(queue);
    const metrics = engineMetrics(new Registry());
    closers.push(
      createStagePool(queueName, runtime, {
        producer,
        redis,
        metrics,
        log: testLogger,
        connection: redis,
        settings: DEFAULT_ENGINE_SETTINGS.pool,
        workerName: "pool-test",
        registry: workerSide,
      }),
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

  it("runs a batch of its own process through BullMQ from memory, with the same result", async () => {
    const shared = newJobRegistry();
    const settings = { ...DEFAULT_ENGINE_SETTINGS.pool, localBatches: false };
    const queue = await createStageQueue(queueName, redis, settings, testLogger, shared);
    closers.push(queue);
    const before = await written();
    // A queue of this registry only: the other test's worker (another "process") may still take the job.
    closers.push(
      createStagePool(queueName, runtime, {
        producer,
        redis,
        metrics: engineMetrics(new Registry()),
        log: testLogger,
        connection: redis,
        settings: DEFAULT_ENGINE_SETTINGS.pool,
        workerName: "pool-test",
        registry: shared,
      }),
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
    const registry = newJobRegistry();
    const queue = await createStageQueue(lostQueue, redis, DEFAULT_ENGINE_SETTINGS.pool, testLogger, registry, {
      sweepMs: 200,
      outcomeWaitMs: 300,
    });
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

  /** A queue name of its own (no other test's worker takes its jobs) and a way to read its jobs. */
  async function ownQueue(prefix: string) {
    const name = uniqueName(prefix);
    const jobs = new Queue(name, { connection: redis, prefix: QUEUE_PREFIX });
    closers.push({ close: () => jobs.close() });
    const job = async (id: string) => {
      const found = await jobs.getJob(id);
      if (!found) throw new Error(`job ${id} not found`);
      return found;
    };
    return { name, job };
  }
  const poolOf = (name: string, registry: ReturnType<typeof newJobRegistry>) =>
    createStagePool(name, runtime, {
      producer,
      redis,
      metrics: engineMetrics(new Registry()),
      log: testLogger,
      connection: redis,
      settings: DEFAULT_ENGINE_SETTINGS.pool,
      workerName: "pool-test",
      registry,
    });

  it("does not run a job whose submitter is gone, and fails it at once without retries", async () => {
    const { name, job } = await ownQueue("stage.pool-orphan");
    const deadSide = newJobRegistry();
    const queue = await createStageQueue(name, redis, DEFAULT_ENGINE_SETTINGS.pool, testLogger, deadSide);
    const outcome = queue.run(batch(40, 2), "orphan-1").catch((error: Error) => error.message);
    const origin = await eventually(async () => ((await job("orphan-1")).data as { r: string }).r);
    expect(await redis.exists(originKey(origin))).toBe(1);
    // The submitting "process" goes away: its liveness key is gone (close deletes it; after kill -9 it expires).
    await queue.close();
    expect(await outcome).toBe("queue closed");
    expect(await redis.exists(originKey(origin))).toBe(0);

    const before = await written();
    closers.push(poolOf(name, newJobRegistry()));
    const failed = await eventually(async () => {
      const found = await job("orphan-1");
      expect(await found.getState()).toBe("failed");
      return found;
    });
    expect(failed.failedReason).toMatch(/^submitter gone/);
    expect(failed.attemptsMade).toBe(1);
    expect(await written()).toBe(before);
    expect(await redis.exists(`${QUEUE_PREFIX}:${name}:payload:orphan-1`)).toBe(0);
  });

  it("fails, never completes, a job whose live submitter's key expired; the batch runs when re-submitted", async () => {
    const { name, job } = await ownQueue("stage.pool-hiccup");
    const feederSide = newJobRegistry();
    // The key is refreshed every 2 s: deleted right after being set, it stays away long enough for the worker below.
    const queue = await createStageQueue(name, redis, DEFAULT_ENGINE_SETTINGS.pool, testLogger, feederSide, {
      originRefreshMs: 2000,
    });
    closers.push(queue);
    const outcome = queue.run(batch(50, 2), "hiccup-1").then(
      () => "completed",
      (error: Error) => error.message,
    );
    const origin = await eventually(async () => ((await job("hiccup-1")).data as { r: string }).r);
    // A Redis hiccup: the key of a live submitter expired.
    await redis.del(originKey(origin));
    const before = await written();
    closers.push(poolOf(name, newJobRegistry()));
    expect(await outcome).toMatch(/^submitter gone/);
    expect(await written()).toBe(before);
    // The refresh puts the key back; the feeder's re-submission then runs.
    await eventually(async () => expect(await redis.exists(originKey(origin))).toBe(1), { timeoutMs: 5000 });
    await queue.run(batch(50, 2), "hiccup-2");
    expect(await written()).toBe(before + 2n);
  });

  it("runs a job of its own process without looking at the liveness key", async () => {
    const { name, job } = await ownQueue("stage.pool-own");
    const shared = newJobRegistry();
    // No refresh during the test: the deleted key stays deleted.
    const queue = await createStageQueue(name, redis, DEFAULT_ENGINE_SETTINGS.pool, testLogger, shared, {
      originRefreshMs: 60_000,
    });
    closers.push(queue);
    const before = await written();
    const done = queue.run(batch(60, 2), "own-1");
    const origin = await eventually(async () => ((await job("own-1")).data as { r: string }).r);
    await redis.del(originKey(origin));
    closers.push(poolOf(name, shared));
    await done;
    expect(await written()).toBe(before + 2n);
  });
  it("runs a batch of its own process on the local path: no job, no payload, the same result", async () => {
    const { name, job } = await ownQueue("stage.pool-local");
    const shared = newJobRegistry();
    const queue = await createStageQueue(name, redis, DEFAULT_ENGINE_SETTINGS.pool, testLogger, shared);
    closers.push(queue, poolOf(name, shared));
    const before = await written();
    await Promise.all([queue.run(batch(70, 2), "lp-1"), queue.run(batch(72, 3), "lp-2")]);
    expect(await written()).toBe(before + 5n);
    await expect(job("lp-1")).rejects.toThrow(/not found/);
    expect((await redis.keys(`${QUEUE_PREFIX}:${name}:*`)).filter((k) => k.includes(":payload:"))).toEqual([]);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  /** A pool of `process` on a queue of its own, on the local path, with quick retries. */
  async function localPool(process: BatchProcessor, concurrency = 2) {
    const name = uniqueName("stage.pool-local");
    const registry = newJobRegistry();
    const settings = { ...DEFAULT_ENGINE_SETTINGS.pool, concurrency, backoffMs: 20 };
    const queue = await createStageQueue(name, redis, settings, testLogger, registry);
    const pool = createBatchWorker(name, process, {
      connection: redis,
      settings,
      workerName: "pool-test",
      log: testLogger,
      registry,
    });
    closers.push(queue, pool);
    return { queue, pool };
  }

  it("retries a failing batch on the local path as BullMQ would: attempts, backoff, the last one final", async () => {
    const calls: [attempt: number, final: boolean][] = [];
    const { queue } = await localPool(async (b, attempt, finalAttempt) => {
      calls.push([attempt, finalAttempt]);
      if (b.records[0]!.o === "80" && attempt < 3) throw new Error("sink down");
      if (b.records[0]!.o === "90") throw new Error("always down");
    });
    await queue.run(batch(80, 1), "retry-1");
    expect(calls).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    calls.length = 0;
    await expect(queue.run(batch(90, 1), "retry-2")).rejects.toThrow("always down");
    expect(calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  });

  it("runs at most `concurrency` local batches at once; the rest wait in order and show as waiting", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const { queue } = await localPool(async (b) => {
      running++;
      most = Math.max(most, running);
      order.push(b.records[0]!.o);
      await new Promise<void>((r) => gates.push(r));
      running--;
    }, 2);
    const runs = [0, 1, 2, 3].map((i) => queue.run(batch(100 + i, 1), `c-${i}`));
    await eventually(async () => expect(await queue.counts()).toMatchObject({ active: 2, waiting: 2 }));
    while (order.length < 4 || gates.length > 0) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(runs);
    expect(most).toBe(2);
    expect(order).toEqual(["100", "101", "102", "103"]);
  });

  it("never reports a local batch of a crashed pool (force close), as a dead process would not", async () => {
    let release = () => {};
    const { queue, pool } = await localPool(() => new Promise<void>((r) => (release = r)));
    let settled = false;
    void queue.run(batch(110, 1), "crash-1").finally(() => (settled = true));
    await eventually(async () => expect(await queue.counts()).toMatchObject({ active: 1 }));
    const closing = pool.close(true);
    release();
    await closing;
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
  });
});
