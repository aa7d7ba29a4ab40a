// A stage's BullMQ queue and worker pool. One job = one micro-batch of one partition. Jobs are
// removed when they complete (finally failed ones after 10 min, at most 1000), so Redis stays flat; attempts and backoff retry
// transient failures, and the last attempt dead-letters instead of failing (see runStageBatch).
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
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

type Waiter = { resolve(): void; reject(error: Error): void; since: number };
type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Feeders waiting for their jobs, by job id, in this process. A worker of this process settles a
 * waiter directly; a worker of another process publishes the outcome on the submitting queue's
 * channel (job data `r`). Job ids are unique per submission, so one map serves every queue.
 */
const localWaiters = new Map<string, Waiter>();
const DONE_CHANNEL = "sluice:stage-done:";

function settle(waiter: Waiter, outcome: Outcome) {
  if (outcome.ok) waiter.resolve();
  else waiter.reject(new Error(outcome.reason));
}

export async function createStageQueue(name: string, connection: Redis, settings: PoolSettings, log: Logger): Promise<StageQueue> {
  // Finished jobs are removed, so the events stream only needs to be short.
  const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX, streams: { events: { maxLen: 1000 } } });
  const origin = randomUUID();
  const waiters = new Map<string, Waiter>();
  const subscriber = connection.duplicate();
  subscriber.on("error", (err) => log.warn({ err }, "stage completion subscriber error"));
  subscriber.on("message", (_channel: string, message: string) => {
    const [jobId, status, ...reason] = message.split(" ");
    const waiter = jobId ? waiters.get(jobId) : undefined;
    if (!jobId || !waiter) return;
    waiters.delete(jobId);
    localWaiters.delete(jobId);
    settle(waiter, status === "ok" ? { ok: true } : { ok: false, reason: reason.join(" ") || "job failed" });
  });
  await subscriber.subscribe(`${DONE_CHANNEL}${origin}`);
  // Safety net for an outcome that never arrived (pub/sub is not durable: a reconnect can lose one):
  // a job that no longer exists completed (finally failed jobs are kept for a while, so they can be told apart).
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [jobId, waiter] of waiters) {
      if (now - waiter.since < 10_000) continue;
      void queue.getJob(jobId).then(async (job) => {
        const state = job ? await job.getState() : "gone";
        if (state !== "gone" && state !== "failed") return;
        if (!waiters.delete(jobId)) return;
        localWaiters.delete(jobId);
        settle(waiter, state === "gone" ? { ok: true } : { ok: false, reason: job?.failedReason ?? "job failed" });
      });
    }
  }, 5000);
  return {
    name,
    async run(batch, jobId) {
      const done = new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => (waiters.delete(jobId), resolve()),
          reject: (error) => (waiters.delete(jobId), reject(error)),
          since: Date.now(),
        };
        waiters.set(jobId, waiter);
        localWaiters.set(jobId, waiter);
      });
      const data: StageJobData = { ...batch, r: origin };
      try {
        await queue.add("batch", data, {
          jobId,
          attempts: settings.attempts,
          backoff: { type: "exponential", delay: settings.backoffMs },
          removeOnComplete: true,
          // Kept briefly so the sweep can tell "failed" from "completed and removed"; the feeder re-runs it.
          removeOnFail: { age: 600, count: 1000 },
        });
      } catch (error) {
        waiters.delete(jobId);
        localWaiters.delete(jobId);
        throw error;
      }
      return done;
    },
    async counts() {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      return { waiting: c["waiting"] ?? 0, active: c["active"] ?? 0, delayed: c["delayed"] ?? 0, failed: c["failed"] ?? 0 };
    },
    async close() {
      clearInterval(sweep);
      for (const [jobId, waiter] of waiters) {
        localWaiters.delete(jobId);
        waiter.reject(new Error("queue closed"));
      }
      waiters.clear();
      subscriber.disconnect();
      await queue.close();
    },
  };
}

/** A batch as enqueued: the feeder's queue instance (`r`) hears the outcome. */
type StageJobData = StageBatchV1 & { r?: string };

/** The job's outcome to its feeder: directly in this process, else on the feeder queue's channel. */
function report(connection: Redis, jobId: string | undefined, data: StageJobData | undefined, outcome: Outcome, log: Logger) {
  if (!jobId) return;
  const waiter = localWaiters.get(jobId);
  if (waiter) {
    localWaiters.delete(jobId);
    settle(waiter, outcome);
    return;
  }
  if (!data?.r) return;
  const message = outcome.ok ? `${jobId} ok` : `${jobId} failed ${outcome.reason}`;
  connection.publish(`${DONE_CHANNEL}${data.r}`, message).catch((err: unknown) => log.warn({ err, jobId }, "could not report a job outcome; the feeder's sweep will find it"));
}

/** Our own payload, written by a feeder of this code base: a structural check, not a schema walk per record. */
function asBatch(data: unknown): StageBatchV1 {
  const batch = data as Partial<StageBatchV1> | null;
  if (!batch || batch.version !== "v1" || typeof batch.topic !== "string" || typeof batch.partition !== "number" || !Array.isArray(batch.records)) {
    // Anything else (an older or foreign payload) gets the full check and its error.
    return StageBatchV1.parse(data);
  }
  return batch as StageBatchV1;
}

export type StagePool = { close(force?: boolean): Promise<void> };

export function createStagePool(name: string, runtime: StageRuntime, deps: StepDeps & { connection: Redis; settings: PoolSettings; workerName: string }): StagePool {
  const log = deps.log.child({ pool: name });
  const worker = new Worker(
    name,
    async (job) => {
      const batch = asBatch(job.data);
      const attempt = job.attemptsMade + 1;
      await runStageBatch(runtime, batch, attempt, attempt >= (job.opts.attempts ?? 1), { ...deps, log });
    },
    { connection: deps.connection, prefix: QUEUE_PREFIX, concurrency: deps.settings.concurrency, name: deps.workerName },
  );
  worker.on("error", (err) => log.error({ err }, "worker error"));
  // Reported once the job's final state is written (completed and removed, or finally failed).
  worker.on("completed", (job) => report(deps.connection, job.id, job.data as StageJobData, { ok: true }, log));
  worker.on("failed", (job, err) => {
    log.warn({ err, jobId: job?.id, attempt: job?.attemptsMade }, "batch failed");
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) report(deps.connection, job.id, job.data as StageJobData, { ok: false, reason: err.message }, log);
  });
  return { close: (force = false) => worker.close(force) };
}
