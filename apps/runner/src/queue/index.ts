export { defineJobCatalog, type JobCatalog, type JobContext, type JobHandler, type JobHandlers, type JobName, type JobPayload, type JobSpec } from "./catalog";
export { createJobQueue, DEFAULT_JOB_OPTIONS, QUEUE_PREFIX, type JobQueue, type JobQueueOptions } from "./job-queue";
export { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool";
