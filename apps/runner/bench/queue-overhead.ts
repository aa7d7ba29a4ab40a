// BullMQ's cost per event: the same stage batches run (a) by calling the stage step directly and
// (b) through the stage queue and worker pool: on the local path (the queue hands the batch to its
// pool in this process, no job), through BullMQ in this process (the batch handed over in memory) and
// as if submitted by another process (the worker reads the batch's payload key). Overhead = the
// difference in this process's CPU per event, plus Redis' own CPU per event (INFO used_cpu_*, so use
// a Redis nobody else is using: scripts/bench.ts starts one).
//   node --import tsx apps/runner/bench/queue-overhead.ts [--batches 200] [--records 500]
import { parseArgs } from "node:util";
import { createKafka } from "@sluice/kafka";
import { Registry } from "prom-client";
import { graph } from "../test/graphs";
import { testLogger, testServices, uniqueName } from "../test/services";
import { QUEUE_PREFIX } from "../src/queue/prefix";
import { closeRedis, createRedis } from "../src/services/redis";
import { engineMetrics } from "../src/observe/engine-metrics";
import { createNodeRuntime, type NodeRuntime } from "../src/stage/executors";
import { compilePlan } from "@sluice/shared";
import { createStagePool } from "../src/stage/stage-pool";
import { createStageQueue, type JobRegistry, newJobRegistry } from "../src/queue/stage-queue";
import { buildTopicKeys, runStageBatch, type StageRuntime } from "../src/stage/stage-step";
import type { StageBatchV1 } from "../src/queue/batch-payload";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

const { values } = parseArgs({
  options: { batches: { type: "string", default: "200" }, records: { type: "string", default: "500" } },
});
const batchCount = Number(values.batches);
const perBatch = Number(values.records);
const events = batchCount * perBatch;

const redis = createRedis(testServices.redisUrl, testLogger, "queue-overhead");
await redis.connect();
const kafka = createKafka({
  brokers: testServices.kafkaBrokers.split(","),
  clientId: "queue-overhead",
  log: testLogger,
});
const producer = kafka.producer({ name: "queue-overhead" });
const compiled = compilePlan({
  workspaceId: "bench",
  workspaceSlug: "bench",
  pipelineId: "queue-overhead",
  graph: graph(
    [
      { id: "ingest", type: "http-ingest" },
      // Drops everything: the stage does its decoding and one expression per event, and sends nothing.
      { id: "drop", type: "filter", config: { condition: 'event.type == "none"' } },
      { id: "out", type: "kafka-sink", config: { topic: "unused" } },
    ],
    [
      ["ingest", "drop"],
      ["drop", "out"],
    ],
  ),
});
if (!compiled.ok) throw new Error(compiled.reason);
const stage = compiled.plan.stages[0]!;
const runtimes = new Map<string, NodeRuntime>();
for (const node of stage.nodes) {
  runtimes.set(
    node.id,
    await createNodeRuntime(node.type, node.config, {
      workspaceId: "bench",
      pipelineId: "queue-overhead",
      nodeId: node.id,
      log: testLogger,
      secret: () => Promise.reject(new Error("none")),
      kafka: () => Promise.reject(new Error("none")),
    }),
  );
}
const runtime: StageRuntime = { plan: compiled.plan, stage, runtimes, topicKey: buildTopicKeys(compiled.plan) };
const deps = { producer, redis, metrics: engineMetrics(new Registry()), log: testLogger };

const value = (i: number) =>
  JSON.stringify({
    id: `e-${i}`,
    type: "page_view",
    userId: `user-${i % 10_000}`,
    timestamp: "2026-11-29T10:00:00.000Z",
    receivedAt: "2026-11-29T10:00:00.010Z",
    props: { amount: 12.35, currency: "EUR", sku: `sku-${i % 1000}`, page: "/pricing" },
    context: { locale: "en-GB", screen: "1920x1080" },
  });
const batches: StageBatchV1[] = Array.from({ length: batchCount }, (_, b) => ({
  version: "v1",
  topic: "bench.in",
  partition: b % 6,
  records: Array.from({ length: perBatch }, (_, i) => ({
    o: String(b * perBatch + i),
    k: `user-${i}`,
    v: value(b * perBatch + i),
  })),
}));

const redisCpu = async () => {
  const info = await redis.info("cpu");
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
};
async function measure(run: () => Promise<void>) {
  const redisBefore = await redisCpu();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return {
    nodeMicrosPerEvent: +((used.user + used.system) / events).toFixed(2),
    redisMicrosPerEvent: +((((await redisCpu()) - redisBefore) * 1e6) / events).toFixed(2),
    seconds: +((performance.now() - started) / 1000).toFixed(2),
  };
}

/** Submits every batch with at most `inFlight` jobs outstanding, like a feeder. */
async function throughQueue(feederSide: JobRegistry, workerSide: JobRegistry, localBatches: boolean) {
  const name = uniqueName("stage.queue-overhead");
  const settings = { ...DEFAULT_ENGINE_SETTINGS.pool, localBatches };
  const queue = await createStageQueue(name, redis, settings, testLogger, feederSide);
  const pool = createStagePool(name, runtime, {
    ...deps,
    connection: redis,
    settings,
    workerName: "queue-overhead",
    registry: workerSide,
  });
  try {
    return await measure(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < batches.length) {
            const b = next++;
            await queue.run(batches[b]!, `b-${b}-${uniqueName("j")}`);
          }
        }),
      );
    });
  } finally {
    await pool.close();
    await queue.close();
    const keys = await redis.keys(`${QUEUE_PREFIX}:${name}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

try {
  // Warm up the JIT on the direct path first.
  for (const batch of batches.slice(0, 20)) await runStageBatch(runtime, batch, 1, false, deps);
  const direct = await measure(async () => {
    for (const batch of batches) await runStageBatch(runtime, batch, 1, false, deps);
  });
  const shared = newJobRegistry();
  const localPath = await throughQueue(shared, shared, true);
  const inProcess = await throughQueue(shared, shared, false);
  const crossProcess = await throughQueue(newJobRegistry(), newJobRegistry(), false);
  const overhead = (r: typeof direct) =>
    +(r.nodeMicrosPerEvent - direct.nodeMicrosPerEvent + r.redisMicrosPerEvent).toFixed(2);
  process.stdout.write(
    `${JSON.stringify({ events, recordsPerBatch: perBatch, direct, localPath, inProcess, crossProcess, overheadMicrosPerEvent: { localPath: overhead(localPath), inProcess: overhead(inProcess), crossProcess: overhead(crossProcess) } })}\n`,
  );
} finally {
  await producer.close();
  await kafka.close();
  await closeRedis(redis);
}
