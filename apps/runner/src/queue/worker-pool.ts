import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log";
import type { JobCatalog, JobHandlers, JobName, JobPayload } from "./catalog";
import { QUEUE_PREFIX } from "./job-queue";

export type WorkerPoolOptions = {
  /** The pool duplicates it for its blocking connection; the pool does not close the original. */
  connection: Redis;
  /** Jobs processed at once by this process. Default 1. */
  concurrency?: number;
  /** Stored on each job, to see which runner took it. Default none. */
  workerName?: string;
  log: Logger;
};

export type WorkerPool = {
  name: string;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
};

/** A BullMQ worker for one queue whose jobs are dispatched to the handler of their name. */
export function createWorkerPool<C extends JobCatalog>(
  queue: { name: string; catalog: C },
  handlers: JobHandlers<C>,
  options: WorkerPoolOptions,
): WorkerPool {
  const log = options.log.child({ module: "queue", queue: queue.name });
  const worker = new Worker(
    queue.name,
    async (job) => {
      const name = job.name as JobName<C>;
      const spec = queue.catalog[name];
      const handler = handlers[name];
      // Unknown names and payloads that no longer parse will not succeed on a retry either.
      if (!spec || !handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
      const parsed = spec.schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid payload for job "${job.name}": ${parsed.error.message}`);
      // parsed.data came from this name's own schema, so it has this name's payload type.
      const payload = parsed.data as JobPayload<C, typeof name>;
      await handler({ id: job.id ?? "", name, payload, attempt: job.attemptsMade + 1, log: log.child({ job: job.name, jobId: job.id }) });
    },
    {
      connection: options.connection,
      prefix: QUEUE_PREFIX,
      concurrency: options.concurrency ?? 1,
      ...(options.workerName ? { name: options.workerName } : {}),
    },
  );
  // Without an 'error' listener a Redis hiccup would be an unhandled 'error' event and kill the process.
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("failed", (job, err) => log.warn({ err, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade }, "job failed"));
  return {
    name: queue.name,
    close: () => worker.close(),
  };
}
