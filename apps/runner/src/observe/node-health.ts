// Per-node health of one deployment in this process, from what the node's own runs report. A node is
// `failing` while its latest outcome is a failure — it threw (sink or lookup down: the batch is
// retried, then dead-lettered) or it rejected every event of a batch (e.g. a webhook answering 4xx to
// everything) — with that error as the reason; the next batch it processes at least partly makes it
// `running` again. Read by the reconciler (written to Postgres on change) and the live snapshots.
import type { CoreFailure } from "@sluice/shared";

type NodeState = "starting" | "running" | "failing" | "stopped";
export type NodeStatus = { state: NodeState; reason?: string };

export type NodeHealth = {
  /** The node threw on a batch (every attempt counts; the last one is dead-lettered). */
  failed(nodeId: string, error: unknown): void;
  /** The node ran on `size` events and rejected `errors` of them. */
  processed(nodeId: string, size: number, errors: readonly CoreFailure[]): void;
  /** Current state of every node of the deployment. */
  status(): Record<string, NodeStatus>;
};

const MAX_REASON = 500;

export function createNodeHealth(nodeIds: readonly string[]): NodeHealth {
  const nodes = new Map<string, NodeStatus>(nodeIds.map((id) => [id, { state: "running" }]));
  const fail = (nodeId: string, reason: string) =>
    nodes.set(nodeId, { state: "failing", reason: reason.slice(0, MAX_REASON) });
  return {
    failed(nodeId, error) {
      fail(nodeId, error instanceof Error ? error.message || error.name : String(error));
    },
    processed(nodeId, size, errors) {
      if (size === 0) return;
      if (errors.length >= size)
        fail(nodeId, `rejected all ${size} events of its last batch: ${errors[0]?.error.message ?? "unknown error"}`);
      else nodes.set(nodeId, { state: "running" });
    },
    status: () => Object.fromEntries(nodes),
  };
}

/**
 * Where each runner process publishes its view of a deployment's nodes (hash field = runner id,
 * value = { at, nodes }), so the status written to Postgres is the merge of all processes' views.
 */

/** Several processes' views of the same nodes: a node failing anywhere is failing (first reason wins). */
export function mergeNodeStatus(views: readonly Record<string, NodeStatus>[]): Record<string, NodeStatus> {
  const merged: Record<string, NodeStatus> = {};
  for (const view of views) {
    for (const [id, status] of Object.entries(view)) {
      const seen = merged[id];
      if (
        !seen ||
        (status.state === "failing" && seen.state !== "failing") ||
        (status.state === "running" && seen.state !== "failing")
      )
        merged[id] = status;
    }
  }
  return Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((id) => [id, merged[id]!]),
  );
}

/** The pipeline-level view: failing while any node fails, with the failing nodes named. */
export function pipelineHealth(status: Record<string, NodeStatus>): {
  state: "running" | "failing";
  reason: string | null;
} {
  const failing = Object.entries(status).filter(([, s]) => s.state === "failing");
  if (failing.length === 0) return { state: "running", reason: null };
  return {
    state: "failing",
    reason: failing
      .map(([id, s]) => `node ${id}: ${s.reason ?? "failing"}`)
      .join("; ")
      .slice(0, 1000),
  };
}
