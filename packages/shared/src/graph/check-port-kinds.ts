import type { PortKind } from "../nodes/port";
import { type GraphContext, nodeName, type TypedEdge } from "./graph-context";
import { topologicalOrder } from "./graph-topology";
import { problem } from "./graph-problem";

/**
 * Propagates what kind of records flow on each edge (passthrough ports forward their node's input
 * kinds) and flags edges into inputs that cannot consume them.
 */
export function checkPortKinds(ctx: GraphContext): void {
  const incoming = groupByTarget(ctx.typedEdges);
  const inputKinds = new Map<string, Set<PortKind>>();
  for (const id of topologicalOrder(
    [...ctx.nodes.keys()],
    ctx.typedEdges.map((typed) => typed.edge),
  )) {
    const kinds = new Set<PortKind>();
    for (const typed of incoming.get(id) ?? []) {
      const edgeKinds =
        typed.from.kind === "passthrough" ? [...(inputKinds.get(typed.edge.source) ?? [])] : [typed.from.kind];
      const rejected = edgeKinds.filter((kind) => !typed.to.accepts.includes(kind));
      if (rejected.length > 0) {
        const source = ctx.nodes.get(typed.edge.source)!.node;
        const target = ctx.nodes.get(typed.edge.target)!.node;
        ctx.problems.push(
          problem(
            "edge.port-kind-mismatch",
            `${nodeName(target)} cannot take ${rejected.map(describeKind).join(" or ")} from ${nodeName(source)} (it accepts ${typed.to.accepts.map(describeKind).join(", ")})`,
            { edgeId: typed.edge.id, nodeId: target.id, port: typed.to.name },
          ),
        );
      }
      for (const kind of edgeKinds) kinds.add(kind);
    }
    inputKinds.set(id, kinds);
  }
}

function describeKind(kind: PortKind): string {
  return { event: "events", aggregate: "window results", session: "sessions", "dead-letter": "failed records" }[kind];
}

export function groupByTarget(edges: readonly TypedEdge[]): Map<string, TypedEdge[]> {
  const grouped = new Map<string, TypedEdge[]>();
  for (const typed of edges) {
    const list = grouped.get(typed.edge.target) ?? [];
    list.push(typed);
    grouped.set(typed.edge.target, list);
  }
  return grouped;
}
