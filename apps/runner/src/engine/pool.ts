// A stage's BullMQ queue and worker pool. One job = one micro-batch of one partition. Jobs are
// removed when they complete (finally failed ones after 10 min, at most 1000), so Redis stays flat; attempts and backoff retry
// transient failures, and the last attempt dead-letters instead of failing (see runStageBatch).
import { Queue, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log";
import { QUEUE_PREFIX } from "../queue";
import { runStageBatch, StageBatchV1, type StageRuntime, type StepDeps } from "./stage-step";

export type PoolSettings = {
  /** Jobs this process runs at once for the stage. Default 2. */
  concurrency: number;
  /** Attempts per batch before its events are dead-lettered. Default 3. */
  attempts: number;
  /** First retry delay, doubled each attempt. Default 500 ms. */
  backoffMs: number;
};

export const DEFAULT_POOL_SETTINGS: PoolSettings = { concurrency: 2, attempts: 3, backoffMs: 500 };

/** BullMQ forbids ':' in queue names. */
export const stageQueueName = (deploymentId: string, stageId: string) => `stage.${deploymentId}.${stageId}`;

export type StageQueue = {
  name: string;
  /** Enqueues a batch and resolves when its job completed; rejects when it finally failed. */
  run(batch: StageBatchV1, jobId: string): Promise<void>;
  /** BullMQ job counts of the queue (all processes). */
  counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }>;
  close(): Promise<void>;
};

export async function createStageQueue(name: string, connection: Redis, settings: PoolSettings, log: Logger): Promise<StageQueue> {
  const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(name, { connection: connection.duplicate(), prefix: QUEUE_PREFIX });
  events.on("error", (err) => log.warn({ err }, "queue events error"));
  await events.waitUntilReady();
  const waiters = new Map<string, { resolve(): void; reject(error: Error): void; since: number }>();
  // Safety net for a completion event the stream lost (trimmed while this process stalled): a job
  // that no longer exists completed (finally failed jobs are kept for a while, so they can be told apart).
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [jobId, waiter] of waiters) {
      if (now - waiter.since < 10_000) continue;
      void queue.getJob(jobId).then(async (job) => {
        const state = job ? await job.getState() : "gone";
        if (state !== "gone" && state !== "failed") return;
        waiters.delete(jobId);
        if (state === "gone") waiter.resolve();
        else waiter.reject(new Error(job?.failedReason ?? "job failed"));
      });
    }
  }, 5000);
  events.on("completed", ({ jobId }) => {
    waiters.get(jobId)?.resolve();
    waiters.delete(jobId);
  });
  events.on("failed", ({ jobId, failedReason }) => {
    const waiter = waiters.get(jobId);
    if (!waiter) return;
    // A failure with attempts left is followed by a retry; only a finally failed job (removed) rejects.
    void queue.getJob(jobId).then(async (job) => {
      const state = job ? await job.getState() : "unknown";
      if (state === "failed") {
        waiters.delete(jobId);
        waiter.reject(new Error(failedReason));
      }
    });
  });
  return {
    name,
    async run(batch, jobId) {
      const done = new Promise<void>((resolve, reject) => waiters.set(jobId, { resolve, reject, since: Date.now() }));
      await queue.add("batch", batch, {
        jobId,
        attempts: settings.attempts,
        backoff: { type: "exponential", delay: settings.backoffMs },
        removeOnComplete: true,
        // Kept briefly so the sweep can tell "failed" from "completed and removed"; the feeder re-runs it.
        removeOnFail: { age: 600, count: 1000 },
      });
      return done;
    },
    async counts() {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      return { waiting: c["waiting"] ?? 0, active: c["active"] ?? 0, delayed: c["delayed"] ?? 0, failed: c["failed"] ?? 0 };
    },
    async close() {
      clearInterval(sweep);
      for (const waiter of waiters.values()) waiter.reject(new Error("queue closed"));
      waiters.clear();
      await events.close();
      await events.disconnect();
      await queue.close();
    },
  };
}

export type StagePool = { close(force?: boolean): Promise<void> };

export function createStagePool(name: string, runtime: StageRuntime, deps: StepDeps & { connection: Redis; settings: PoolSettings; workerName: string }): StagePool {
  const log = deps.log.child({ pool: name });
  const worker = new Worker(
    name,
    async (job) => {
      const batch = StageBatchV1.parse(job.data);
      const attempt = job.attemptsMade + 1;
      await runStageBatch(runtime, batch, attempt, attempt >= (job.opts.attempts ?? 1), { ...deps, log });
    },
    { connection: deps.connection, prefix: QUEUE_PREFIX, concurrency: deps.settings.concurrency, name: deps.workerName },
  );
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("failed", (job, err) => log.warn({ err, jobId: job?.id, attempt: job?.attemptsMade }, "batch failed"));
  return { close: (force = false) => worker.close(force) };
}
