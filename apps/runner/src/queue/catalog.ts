// A job catalog maps each job name to its payload schema and default options (the trigger.dev
// redis-worker pattern). Payloads are versioned (`version: "v1"`) like anything we put on a topic:
// a job enqueued by an older runner must still parse, or fail loudly, after a deploy.
import type { JobsOptions } from "bullmq";
import type { z } from "zod";
import type { Logger } from "../log";

export type JobSpec<Schema extends z.ZodType = z.ZodType> = {
  schema: Schema;
  /** Overrides DEFAULT_JOB_OPTIONS for this job name. */
  options?: JobsOptions;
};

export type JobCatalog = Record<string, JobSpec>;

export type JobName<C extends JobCatalog> = keyof C & string;

export type JobPayload<C extends JobCatalog, K extends JobName<C>> = z.output<C[K]["schema"]>;

export type JobContext<C extends JobCatalog, K extends JobName<C>> = {
  id: string;
  name: K;
  payload: JobPayload<C, K>;
  /** 1 on the first try. */
  attempt: number;
  log: Logger;
};

export type JobHandler<C extends JobCatalog, K extends JobName<C>> = (job: JobContext<C, K>) => Promise<void>;

/** One handler per job name: a catalog entry without a handler is a compile error. */
export type JobHandlers<C extends JobCatalog> = { [K in JobName<C>]: JobHandler<C, K> };

/** Identity function that keeps the literal job names and schemas in the type. */
export function defineJobCatalog<const C extends JobCatalog>(catalog: C): C {
  return catalog;
}
