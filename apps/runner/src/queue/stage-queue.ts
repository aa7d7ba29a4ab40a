// A stage's BullMQ queue and worker pool. One job = one micro-batch of one partition. A batch whose
// stage has a pool in the submitting process runs there directly (the local path: no job, no payload,
// the same attempts and backoff); BullMQ carries the rest (RUNNER_LOCAL_BATCHES=false: every batch). Jobs are
// removed when they complete (finally failed ones after 10 min, at most 1000), so Redis stays flat; attempts and backoff retry
// transient failures, and the last attempt dead-letters instead of failing (see runStageBatch in
// stage/stage-step.ts, which stage/stage-pool.ts gives the pool as its batch processor).
// The records travel beside the job, as one raw string under a key the job names (a claim check); a
// worker of the submitting process takes them from memory, any other reads the key. Each queue
// instance keeps a liveness key in Redis; another process's worker does not run a job whose submitter
// is gone (a killed runner's partitions are re-read by their new owner: running its jobs would only
// race that owner).
import { randomUUID } from "node:crypto";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { stageDoneChannel } from "@sluice/shared";
import type { Logger } from "../log";
import { QUEUE_PREFIX } from "./prefix";
import { decodeBatchPayload, encodeBatchPayload } from "./batch-payload";
import { StageBatchV1 } from "./batch-payload";
import { deleteMatching } from "../services/redis-keys";

/** A stage's pool (see settings.ts for the values). */
export type PoolSettings = {
  /** Jobs this process runs at once for the stage. */
  concurrency: number;
  /** Attempts per batch before its events are dead-lettered. */
  attempts: number;
  /** First retry delay, doubled each attempt. */
  backoffMs: number;
  /**
   * Batches of this process run on its own pool without BullMQ (see LocalPool). Default true. Read by
   * the queue only (it picks the path per batch); a pool always offers its local path.
   */
  localBatches?: boolean;
};

/** BullMQ forbids ':' in queue names. */
export const stageQueueName = (deploymentId: string, stageId: string) => `stage.${deploymentId}.${stageId}`;

export type StageQueue = {
  name: string;
  /**
   * Enqueues a batch and resolves when its job completed; rejects when it finally failed, or when it
   * vanished from Redis without an outcome (the caller runs the batch again: at-least-once).
   * `deadLetterUnreachable`: on its last attempt, dead-letter events at a node whose sink or lookup
   * cannot be reached instead of failing (the feeder's outage budget ran out).
   */
  run(batch: StageBatchV1, jobId: string, options?: { deadLetterUnreachable?: boolean }): Promise<void>;
  /** BullMQ job counts of the queue (all processes). */
  counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }>;
  close(): Promise<void>;
};

type Waiter = {
  resolve(): void;
  reject(error: Error): void;
  since: number /** Sweeps in a row that found its job gone. */;
  goneSweeps?: number;
};
type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Feeders waiting for their jobs in this process, and those jobs' batches, by job id. A worker of
 * this process settles a waiter directly and runs the batch from memory; a worker of another process
 * reads the payload key and publishes the outcome on the submitting queue's channel (job data `r`).
 * Job ids are unique per submission, so one registry serves every queue of the process; each engine
 * (wiring.ts) has one of its own, so several engines in one test process act as separate processes
 * (tests of a queue and a pool give them registries of their own to play two processes).
 */
export type JobRegistry = {
  waiters: Map<string, Waiter>;
  batches: Map<string, StageBatchV1>;
  /** This process's pools by queue name, for the local path. */
  locals: Map<string, LocalPool>;
};
export const newJobRegistry = (): JobRegistry => ({ waiters: new Map(), batches: new Map(), locals: new Map() });
const processRegistry = newJobRegistry();
/** A payload outlives any sane queueing delay; if it expires anyway, the job fails and the feeder re-submits the batch. */
const PAYLOAD_TTL_MS = 3_600_000;
const payloadKey = (queueName: string, jobId: string) => `${QUEUE_PREFIX}:${queueName}:payload:${jobId}`;
/**
 * A queue instance's liveness key (`r` of its jobs): set on creation, refreshed while it lives,
 * deleted on close. A process killed with -9 stops refreshing it and it expires.
 */
export const originKey = (origin: string) => `${QUEUE_PREFIX}:stage-origin:${origin}`;
const ORIGIN_TTL_MS = 15_000;
/** The failure reason of a job whose submitter was gone; its feeder, if it is alive after all, runs the batch again. */
const SUBMITTER_GONE = "submitter gone";

function forget(registry: JobRegistry, jobId: string) {
  registry.waiters.delete(jobId);
  registry.batches.delete(jobId);
}

function settle(waiter: Waiter, outcome: Outcome) {
  if (outcome.ok) waiter.resolve();
  else waiter.reject(new Error(outcome.reason));
}

/**
 * How often the sweep looks for lost outcomes, how old a waiter must be first, and how often the
 * liveness key is refreshed (it lives 15 s). Tests change them.
 */
export type QueueTiming = { sweepMs: number; outcomeWaitMs: number; originRefreshMs: number };
const DEFAULT_TIMING: QueueTiming = { sweepMs: 5000, outcomeWaitMs: 10_000, originRefreshMs: 5000 };

export async function createStageQueue(
  name: string,
  connection: Redis,
  settings: PoolSettings,
  log: Logger,
  registry = processRegistry,
  timingOverrides: Partial<QueueTiming> = {},
): Promise<StageQueue> {
  const timing = { ...DEFAULT_TIMING, ...timingOverrides };
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
    forget(registry, jobId);
    settle(waiter, status === "ok" ? { ok: true } : { ok: false, reason: reason.join(" ") || "job failed" });
  });
  await subscriber.subscribe(stageDoneChannel(origin));
  const alive = () => connection.set(originKey(origin), name, "PX", ORIGIN_TTL_MS);
  await alive();
  const heartbeat = setInterval(
    () => void alive().catch((err: unknown) => log.warn({ err }, "could not refresh the stage queue's liveness key")),
    timing.originRefreshMs,
  );
  // Safety net for an outcome that never arrived (pub/sub is not durable: a reconnect can lose one).
  // Finally failed jobs are kept for a while: their waiter is rejected. A job that no longer exists
  // either completed (and was removed) or vanished without running: Redis lost its data (restarted
  // without persistence, failed over), and with it the job. Its outcome is unknown, so it counts as
  // failed and the feeder runs the batch again (at-least-once; a completed one whose message was lost
  // runs twice, which idempotent sinks absorb). Resolving it would commit offsets of a batch that
  // may never have run. It must be gone on two sweeps in a row: an outcome published the moment the
  // job was removed is still on its way on the first.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [jobId, waiter] of waiters) {
      if (now - waiter.since < timing.outcomeWaitMs) continue;
      queue
        .getJob(jobId)
        .then(async (job) => {
          const state = job ? await job.getState() : "gone";
          if (state !== "gone" && state !== "unknown" && state !== "failed") {
            waiter.goneSweeps = 0;
            return;
          }
          if (state !== "failed" && (waiter.goneSweeps = (waiter.goneSweeps ?? 0) + 1) < 2) return;
          if (!waiters.delete(jobId)) return;
          forget(registry, jobId);
          if (state !== "failed")
            log.warn({ jobId }, "a batch job vanished from Redis without an outcome; its batch runs again");
          settle(
            waiter,
            state === "failed"
              ? { ok: false, reason: job?.failedReason ?? "job failed" }
              : { ok: false, reason: `job ${jobId} vanished (no outcome)` },
          );
        })
        // Redis down: the next sweep tries again.
        .catch((err: unknown) => log.warn({ err, jobId }, "could not look up a batch job"));
    }
  }, timing.sweepMs);
  return {
    name,
    async run(batch, jobId, options) {
      const local = settings.localBatches === false ? undefined : registry.locals.get(name);
      if (local) return local.run(batch, { deadLetterUnreachable: options?.deadLetterUnreachable === true });
      const done = new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => (waiters.delete(jobId), resolve()),
          reject: (error) => (waiters.delete(jobId), reject(error)),
          since: Date.now(),
        };
        waiters.set(jobId, waiter);
        registry.waiters.set(jobId, waiter);
      });
      // close() may reject `done` while the enqueue below is still pending (and then fails): that
      // rejection must not surface as unhandled. Callers that await `done` still see it.
      done.catch(() => {});
      registry.batches.set(jobId, batch);
      const p = payloadKey(name, jobId);
      const data: StageJobData = {
        version: "v2",
        topic: batch.topic,
        partition: batch.partition,
        n: batch.records.length,
        p,
        r: origin,
        l: 1,
        ...(options?.deadLetterUnreachable ? { u: 1 as const } : {}),
      };
      try {
        await connection.set(p, encodeBatchPayload(batch), "PX", PAYLOAD_TTL_MS);
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
        forget(registry, jobId);
        throw error;
      }
      return done;
    },
    async counts() {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      const local = registry.locals.get(name)?.counts();
      return {
        waiting: (c["waiting"] ?? 0) + (local?.waiting ?? 0),
        active: (c["active"] ?? 0) + (local?.active ?? 0),
        delayed: (c["delayed"] ?? 0) + (local?.delayed ?? 0),
        failed: c["failed"] ?? 0,
      };
    },
    async close() {
      clearInterval(sweep);
      clearInterval(heartbeat);
      // Our jobs still waiting are not run by other processes' workers from now on.
      await connection
        .del(originKey(origin))
        .catch((err: unknown) => log.warn({ err }, "could not delete the stage queue's liveness key; it expires"));
      for (const [jobId, waiter] of waiters) {
        forget(registry, jobId);
        waiter.reject(new Error("queue closed"));
      }
      waiters.clear();
      subscriber.disconnect();
      await queue.close();
    },
  };
}

/**
 * A job as enqueued: where its records are (`p`, see batch-payload.ts), which queue instance hears the
 * outcome (`r`) and, with `l`, that this instance keeps the liveness key `originKey(r)` (jobs of older
 * runners have none and are run without the check). v1 jobs (records inline) from an older runner are
 * still run.
 */
type StageJobData =
  | { version: "v2"; topic: string; partition: number; n: number; p: string; r: string; l?: 1; u?: 1 }
  | (StageBatchV1 & { r?: string });

/** The job's outcome to its feeder: directly in this process, else on the feeder queue's channel. */
function report(
  registry: JobRegistry,
  connection: Redis,
  jobId: string | undefined,
  data: StageJobData | undefined,
  outcome: Outcome,
  log: Logger,
) {
  if (!jobId) return;
  if (data?.version === "v2")
    connection
      .del(data.p)
      .catch((err: unknown) => log.warn({ err, jobId }, "could not delete a batch payload; it expires"));
  const waiter = registry.waiters.get(jobId);
  if (waiter) {
    forget(registry, jobId);
    settle(waiter, outcome);
    return;
  }
  if (!data?.r) return;
  const message = outcome.ok ? `${jobId} ok` : `${jobId} failed ${outcome.reason}`;
  connection
    .publish(stageDoneChannel(data.r), message)
    .catch((err: unknown) =>
      log.warn({ err, jobId }, "could not report a job outcome; the feeder's sweep will find it"),
    );
}

/**
 * The job's records: from this process's memory when it submitted the job (its waiter is alive by
 * definition), else from its payload key, read in one round trip with the submitter's liveness key.
 * A job whose submitter is gone is not run and fails at once (UnrecoverableError: no retries); it must
 * not complete either, or a live submitter whose key merely expired (a Redis hiccup) would commit
 * offsets of a batch that never ran. A live one hears the failure and runs the batch again.
 */
async function batchOf(
  registry: JobRegistry,
  connection: Redis,
  jobId: string | undefined,
  data: StageJobData,
): Promise<StageBatchV1> {
  if (data.version !== "v2") return asBatch(data);
  const local = jobId ? registry.batches.get(jobId) : undefined;
  if (local) return local;
  const [text, alive] = data.l ? await connection.mget(data.p, originKey(data.r)) : [await connection.get(data.p), "1"];
  if (alive === null)
    throw new UnrecoverableError(
      `${SUBMITTER_GONE}: queue instance ${data.r} of job ${jobId} no longer runs; its partition's new owner reads these records again`,
    );
  if (text == null) throw new Error(`the records of job ${jobId} are gone (payload expired)`);
  const batch = decodeBatchPayload(text);
  if (batch.records.length !== data.n)
    throw new Error(`job ${jobId} names ${data.n} records, its payload has ${batch.records.length}`);
  return batch;
}

/** Our own payload, written by a feeder of this code base: a structural check, not a schema walk per record. */
function asBatch(data: unknown): StageBatchV1 {
  const batch = data as Partial<StageBatchV1> | null;
  if (
    !batch ||
    batch.version !== "v1" ||
    typeof batch.topic !== "string" ||
    typeof batch.partition !== "number" ||
    !Array.isArray(batch.records)
  ) {
    // Anything else (an older or foreign payload) gets the full check and its error.
    return StageBatchV1.parse(data);
  }
  return batch as StageBatchV1;
}

export type StagePool = { close(force?: boolean): Promise<void> };

/**
 * Runs one batch job. `attempt` is 1 on the first try, `finalAttempt` true on the last one;
 * `deadLetterUnreachable` as the submitting feeder asked (see StageQueue.run).
 */
export type BatchProcessor = (
  batch: StageBatchV1,
  attempt: number,
  finalAttempt: boolean,
  options: { deadLetterUnreachable: boolean },
) => Promise<void>;

/**
 * The local path: batches submitted in this process to a stage whose pool is in this process run on it
 * directly, with the same bound (`concurrency` at once, the rest wait in order), attempts and
 * exponential backoff as a BullMQ job, and the same outcome for the feeder (resolved, or rejected after
 * the last attempt). It skips what BullMQ costs per batch: the payload written to and deleted from
 * Redis, the job's add, lock, move and removal, and the completion event (together about a fifth of the
 * runner's CPU per event in the catch-up benchmark, BENCHMARKS.md). A crash loses nothing: the batch
 * was never committed, and the partition's next owner reads it again, as it would a lost BullMQ job.
 */
type LocalPool = {
  run(batch: StageBatchV1, options: { deadLetterUnreachable: boolean }): Promise<void>;
  counts(): { waiting: number; active: number; delayed: number };
};

function createLocalPool(
  process: BatchProcessor,
  settings: PoolSettings,
  state: { crashed(): boolean; closed(): boolean },
  log: Logger,
): LocalPool {
  let active = 0;
  let delayed = 0;
  const waiting: (() => void)[] = [];
  const acquire = () =>
    active < settings.concurrency ? (active++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r));
  // The slot passes to the next waiting batch (active stays) or is freed.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const never = () => new Promise<never>(() => undefined);
  return {
    async run(batch, options) {
      for (let attempt = 1; ; attempt++) {
        await acquire();
        if (state.crashed()) return (release(), never());
        if (state.closed()) {
          release();
          throw new Error("stage pool closed");
        }
        const finalAttempt = attempt >= settings.attempts;
        let failure: Error | undefined;
        try {
          await process(batch, attempt, finalAttempt, options);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        } finally {
          release();
        }
        // A simulated crash: the batch never reports, as if its process had died.
        if (state.crashed()) return never();
        if (!failure) return;
        log.warn({ err: failure, partition: batch.partition, attempt }, "batch failed");
        if (finalAttempt || failure instanceof UnrecoverableError || state.closed()) throw failure;
        delayed++;
        await new Promise((r) => setTimeout(r, settings.backoffMs * 2 ** (attempt - 1)));
        delayed--;
      }
    },
    counts: () => ({ waiting: waiting.length, active, delayed }),
  };
}

/** The stage queue's BullMQ worker pool in this process: runs each job's batch with `process`. */
export function createBatchWorker(
  name: string,
  process: BatchProcessor,
  deps: { connection: Redis; settings: PoolSettings; workerName: string; log: Logger; registry?: JobRegistry },
): StagePool {
  const { log } = deps;
  const registry = deps.registry ?? processRegistry;
  // Set by close(force), i.e. a simulated crash: a batch still running then never reports, as if its
  // process had died. (Reporting it would race the queue's removal: "Missing key for job" errors, or
  // finishing a job the stalled-job check already gave to another worker.)
  let crashed = false;
  let closed = false;
  const never = () => new Promise<never>(() => undefined);
  const local = createLocalPool(process, deps.settings, { crashed: () => crashed, closed: () => closed }, log);
  registry.locals.set(name, local);
  const worker = new Worker(
    name,
    async (job) => {
      const data = job.data as StageJobData;
      const batch = await batchOf(registry, deps.connection, job.id, data);
      const attempt = job.attemptsMade + 1;
      try {
        const deadLetterUnreachable = data.version === "v2" && data.u === 1;
        await process(batch, attempt, attempt >= (job.opts.attempts ?? 1), { deadLetterUnreachable });
      } catch (error) {
        if (crashed) return never();
        throw error;
      }
      if (crashed) return never();
    },
    {
      connection: deps.connection,
      prefix: QUEUE_PREFIX,
      concurrency: deps.settings.concurrency,
      name: deps.workerName,
    },
  );
  worker.on("error", (err) => log.error({ err }, "worker error"));
  // Reported once the job's final state is written (completed and removed, or finally failed).
  worker.on("completed", (job) =>
    report(registry, deps.connection, job.id, job.data as StageJobData, { ok: true }, log),
  );
  worker.on("failed", (job, err) => {
    // Not retried: a job of a gone submitter, or another unrecoverable error.
    const unrecoverable = err instanceof UnrecoverableError || err.name === "UnrecoverableError";
    if (unrecoverable && err.message.startsWith(SUBMITTER_GONE))
      log.info({ jobId: job?.id, reason: err.message }, "batch job of a gone submitter not run");
    else log.warn({ err, jobId: job?.id, attempt: job?.attemptsMade }, "batch failed");
    if (job && (unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1)))
      report(registry, deps.connection, job.id, job.data as StageJobData, { ok: false, reason: err.message }, log);
  });
  return {
    close: (force = false) => {
      crashed = force;
      closed = true;
      if (registry.locals.get(name) === local) registry.locals.delete(name);
      return worker.close(force);
    },
  };
}

/**
 * Deletes a stage queue (its jobs, events stream and meta, and the batch payloads stored beside its
 * jobs) unless some process still has a worker on it. True when it was deleted.
 */
export async function removeStageQueue(name: string, redis: Redis): Promise<boolean> {
  const queue = new Queue(name, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    if ((await queue.getWorkers()).length > 0) return false;
    // No worker is left, so an "active" job can only be a crashed runner's stalled one.
    try {
      await queue.obliterate({ force: true });
    } catch (error) {
      // Every engine process stops the deployment: another one's obliterate removed the queue, its
      // paused flag included, between this one's pause and its own obliterate. Gone is what we wanted.
      const gone = !(await redis.exists(`${QUEUE_PREFIX}:${name}:meta`));
      if (!(error instanceof Error && error.message.includes("non-paused") && gone)) throw error;
    }
    // Keys BullMQ does not know of (batch payloads stored beside their jobs) go too.
    await deleteMatching(redis, `${QUEUE_PREFIX}:${name}:*`);
    return true;
  } finally {
    await queue.close();
  }
}

/**
 * Stage queues in Redis whose deployment is not running here, by deployment id (from the queues' meta
 * keys, which BullMQ writes for every queue): what a sweep may clean when the deployment is stopped.
 */
export async function stageQueuesInRedis(redis: Redis): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  // Queue names are stageQueueName(): stage.<deploymentId>.<stageId>; ids contain no dots.
  const prefix = `${QUEUE_PREFIX}:stage.`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*:meta`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const [deploymentId, stageId] = key.slice(prefix.length, -":meta".length).split(".");
      if (deploymentId && stageId) found.set(deploymentId, [...(found.get(deploymentId) ?? []), stageId]);
    }
  } while (cursor !== "0");
  return found;
}
