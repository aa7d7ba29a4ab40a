import { type GraphContext, nodeName } from "./graph-context";
import { problem } from "./graph-problem";

/** A view name (GET /v1/views/<view>) names one sink: two sinks of a pipeline cannot serve the same one. */
export function checkViews(ctx: GraphContext): void {
  const seen = new Map<string, string>();
  for (const { node } of ctx.nodes.values()) {
    const viewName = (node.config as { viewName?: unknown }).viewName;
    if (typeof viewName !== "string") continue;
    const first = seen.get(viewName);
    if (first === undefined) {
      seen.set(viewName, nodeName(node));
      continue;
    }
    ctx.problems.push(
      problem("node.duplicate-view", `${nodeName(node)}: the view name "${viewName}" is already served by ${first}`, {
        nodeId: node.id,
        field: "viewName",
      }),
    );
  }
}
