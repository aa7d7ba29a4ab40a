// A stage's worker pool: the stage queue's BullMQ workers (queue/stage-queue.ts) running each job's
// batch through the stage's fused chain (stage-step.ts).
import type { Redis } from "ioredis";
import { createBatchWorker, type JobRegistry, type PoolSettings, type StagePool } from "../queue/stage-queue";
import { runStageBatch, type StageRuntime, type StepDeps } from "./stage-step";

export function createStagePool(
  name: string,
  runtime: StageRuntime,
  deps: StepDeps & { connection: Redis; settings: PoolSettings; workerName: string; registry?: JobRegistry },
): StagePool {
  const log = deps.log.child({ pool: name });
  return createBatchWorker(
    name,
    (batch, attempt, finalAttempt, options) =>
      runStageBatch(runtime, batch, attempt, finalAttempt, { ...deps, log }, options),
    {
      connection: deps.connection,
      settings: deps.settings,
      workerName: deps.workerName,
      log,
      ...(deps.registry ? { registry: deps.registry } : {}),
    },
  );
}
