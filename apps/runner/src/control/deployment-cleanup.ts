// Cleaning up after a stopped deployment: its stage queues and per-deployment keys in Redis.
import type { Redis } from "ioredis";
import type { ControlDb } from "../services/control-db";
import type { Logger } from "../log";
import { deploymentHealthKey } from "@sluice/shared";
import { removeStageQueue, stageQueueName, stageQueuesInRedis } from "../queue/stage-queue";
import { offsetsResetKeys } from "@sluice/shared";

/**
 * Deletes a stopped deployment's Redis keys — its stage queues (jobs, events stream, meta) and its
 * offset-reset marker — once no worker of any process is attached any more: the last process to drain
 * cleans up. Stateful checkpoints, watermarks and generator positions belong to the pipeline and stay
 * for the next deployment. Returns the queues that were removed.
 */
export async function removeDeploymentKeys(
  deploymentId: string,
  stageIds: readonly string[],
  redis: Redis,
): Promise<string[]> {
  const removed: string[] = [];
  for (const stageId of stageIds) {
    const name = stageQueueName(deploymentId, stageId);
    if (await removeStageQueue(name, redis)) removed.push(name);
  }
  if (removed.length === stageIds.length)
    await redis.del(offsetsResetKeys(deploymentId).done, deploymentHealthKey(deploymentId));
  return removed;
}

/**
 * Stage queues of stopped deployments nobody drained here (e.g. stopped while their runner was down):
 * removed once no process has a worker on them; a row a crashed runner left as running is then marked
 * stopped. `runsHere`: deployments this process runs (their queues are in use).
 */
export async function sweepStoppedQueues(
  deps: { db: ControlDb; redis: Redis; log: Logger },
  runsHere: (deploymentId: string) => boolean,
): Promise<void> {
  const found = await stageQueuesInRedis(deps.redis);
  const ids = [...found.keys()].filter((id) => !runsHere(id));
  if (ids.length === 0) return;
  const keep = await deps.db.desiredRunning(ids);
  for (const id of ids) {
    if (keep.has(id)) continue;
    // Refused (left for later) while any process still has a worker on the queue.
    const stageIds = found.get(id)!;
    const removed = await removeDeploymentKeys(id, stageIds, deps.redis);
    if (removed.length === 0) continue;
    deps.log.info({ deploymentId: id, queues: removed.length }, "removed stage queues of a stopped deployment");
    // No process runs it any more: a row its crashed runner left as running is stopped now.
    if (removed.length === stageIds.length) {
      await deps.db.markStopped(id);
    }
  }
}
