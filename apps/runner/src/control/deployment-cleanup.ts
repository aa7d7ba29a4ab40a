// Cleaning up after a stopped deployment: its stage queues and per-deployment keys in Redis.
import type { Redis } from "ioredis";
import { healthKey } from "../observe/node-health";
import { removeStageQueue, stageQueueName } from "../queue/stage-queue";
import { resetKeys } from "./start-position";

/**
 * Deletes a stopped deployment's Redis keys — its stage queues (jobs, events stream, meta) and its
 * offset-reset marker — once no worker of any process is attached any more: the last process to drain
 * cleans up. Stateful checkpoints, watermarks and generator positions belong to the pipeline and stay
 * for the next deployment. Returns the queues that were removed.
 */
export async function removeDeploymentKeys(deploymentId: string, stageIds: readonly string[], redis: Redis): Promise<string[]> {
  const removed: string[] = [];
  for (const stageId of stageIds) {
    const name = stageQueueName(deploymentId, stageId);
    if (await removeStageQueue(name, redis)) removed.push(name);
  }
  if (removed.length === stageIds.length) await redis.del(resetKeys(deploymentId).done, healthKey(deploymentId));
  return removed;
}
