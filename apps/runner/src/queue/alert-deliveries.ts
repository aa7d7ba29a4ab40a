// The alert-webhook queue (`alert-webhooks`): one job per recorded alert transition whose rule has a
// webhook, 5 attempts with exponential backoff (1+2+4+8 s). Every runner process runs a worker.
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log";
import { QUEUE_PREFIX } from "./prefix";

const ALERT_WEBHOOK_QUEUE = "alert-webhooks";

export type AlertWebhookJob = { url: string; body: string; signature?: string; allowPrivate: boolean; ruleId: string };

/** Thrown by a delivery that will not succeed on a retry either (a refused target, a 4xx answer). */
export class DeliveryRefused extends Error {}

export type AlertDeliveries = {
  /** Enqueues one delivery; `jobId` makes a second enqueue of the same transition a no-op. */
  enqueue(job: AlertWebhookJob, jobId: string): Promise<void>;
  close(): Promise<void>;
};

export function startAlertDeliveries(options: {
  redis: Redis;
  log: Logger;
  deliver(job: AlertWebhookJob): Promise<void>;
}): AlertDeliveries {
  const { log } = options;
  const queue = new Queue<AlertWebhookJob>(ALERT_WEBHOOK_QUEUE, { connection: options.redis, prefix: QUEUE_PREFIX });
  const workerConnection = options.redis.duplicate();
  const worker = new Worker<AlertWebhookJob>(
    ALERT_WEBHOOK_QUEUE,
    async (job) => {
      try {
        await options.deliver(job.data);
      } catch (err) {
        if (err instanceof DeliveryRefused) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: workerConnection, prefix: QUEUE_PREFIX, concurrency: 4 },
  );
  worker.on("error", (err) => log.warn({ err }, "alert webhook worker error"));
  worker.on("failed", (job, err) =>
    log.warn({ err, ruleId: job?.data.ruleId, attempt: job?.attemptsMade }, "alert webhook delivery failed"),
  );
  return {
    async enqueue(job, jobId) {
      await queue.add("deliver", job, {
        jobId,
        attempts: 5,
        backoff: { type: "exponential", delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600, count: 1000 },
      });
    },
    async close() {
      await worker.close();
      await queue.close();
      await workerConnection.quit().catch(() => workerConnection.disconnect());
    },
  };
}
