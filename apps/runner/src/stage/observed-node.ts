// A node runtime whose outcomes (processed batches, rejected events, throws) feed the deployment's
// node health (observe/node-health.ts).
import type { NodeHealth } from "../observe/node-health";
import type { NodeRuntime } from "./executors";

/** Wraps a node's runtime so its outcomes feed `health`; sources and stateful cores pass through. */
export function observeNode(nodeId: string, runtime: NodeRuntime, health: NodeHealth): NodeRuntime {
  if (runtime.kind === "transform") {
    return {
      ...runtime,
      async process(batch, ctx) {
        try {
          const result = await runtime.process(batch, ctx);
          health.processed(nodeId, batch.length, result.errors);
          return result;
        } catch (error) {
          health.failed(nodeId, error);
          throw error;
        }
      },
    };
  }
  if (runtime.kind === "sink") {
    return {
      ...runtime,
      async write(batch, ctx, source, options) {
        try {
          const result = await runtime.write(batch, ctx, source, options);
          health.processed(nodeId, batch.length, result.errors);
          return result;
        } catch (error) {
          health.failed(nodeId, error);
          throw error;
        }
      },
    };
  }
  return runtime;
}
