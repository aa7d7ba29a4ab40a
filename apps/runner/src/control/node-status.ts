// Node health changes (a sink goes down, recovers) become the deployment row's status and per-node
// status: the merge of every process's view (each publishes its own in Redis), written when it
// changes. Only rows this process considers running or failing are touched, so a stop in progress wins.
import type { Redis } from "ioredis";
import type { ControlDb } from "../services/control-db";
import type { Logger } from "../log";
import { deploymentHealthKey } from "@sluice/shared";
import { mergeNodeStatus, type NodeStatus, pipelineHealth } from "../observe/node-health";
import type { DeploymentRuntime } from "./deployment-runtime";

/**
 * Publishes this process's view of a deployment's nodes and returns the merge of every process's view
 * that is at most `freshMs` old (a process that stopped reporting, crashed or no longer running it, is left out).
 */
export async function mergedNodeStatus(
  redis: Redis,
  deploymentId: string,
  runnerId: string,
  local: Record<string, NodeStatus>,
  freshMs: number,
): Promise<Record<string, NodeStatus>> {
  const key = deploymentHealthKey(deploymentId);
  const now = Date.now();
  const replies = await redis
    .multi()
    .hset(key, runnerId, JSON.stringify({ at: now, nodes: local }))
    .pexpire(key, 60_000)
    .hgetall(key)
    .exec();
  const all = (replies?.[2]?.[1] ?? {}) as Record<string, string>;
  const fresh = Object.keys(all)
    .sort()
    .map((runner) => JSON.parse(all[runner]!) as { at: number; nodes: Record<string, NodeStatus> })
    .filter((view) => now - view.at <= freshMs);
  return mergeNodeStatus(fresh.map((view) => view.nodes));
}

/**
 * One round over the deployments running here: merge, and write the status of those whose merged view
 * changed since `written` (deployment id -> JSON last written). A deployment that stopped meanwhile
 * takes its view out of Redis instead.
 */
export async function writeNodeStatus(
  deps: { db: ControlDb; redis: Redis; runnerId: string; log: Logger; freshMs: number },
  runtimes: ReadonlyMap<string, DeploymentRuntime>,
  written: Map<string, string>,
): Promise<void> {
  for (const runtime of [...runtimes.values()]) {
    const id = runtime.spec.deploymentId;
    const nodeStatus = await mergedNodeStatus(deps.redis, id, deps.runnerId, runtime.nodeStatus, deps.freshMs);
    if (!runtimes.has(id)) {
      await deps.redis.hdel(deploymentHealthKey(id), deps.runnerId);
      continue;
    }
    const json = JSON.stringify(nodeStatus);
    if (written.get(id) === json) continue;
    written.set(id, json);
    const pipeline = pipelineHealth(nodeStatus);
    await deps.db
      .updateDeployment(id, { status: pipeline.state, statusReason: pipeline.reason, nodeStatus }, [
        "running",
        "failing",
      ])
      .catch((err: unknown) => {
        written.delete(id);
        deps.log.warn({ err, deploymentId: id }, "node status write failed");
      });
    if (pipeline.state === "failing")
      deps.log.warn({ deploymentId: id, reason: pipeline.reason }, "deployment failing");
  }
}
