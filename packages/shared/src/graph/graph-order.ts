import type { PipelineGraph, PipelineNode } from "./pipeline-graph";
import { topologicalOrder } from "./graph-topology";

/**
 * Nodes in dependency order (sources first), ignoring edges to missing nodes and leaving out nodes on
 * cycles. What preview and the runner's compiler walk.
 */
export function graphOrder(graph: PipelineGraph): PipelineNode[] {
  const byId = new Map<string, PipelineNode>();
  for (const node of graph.nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  const edges = graph.edges.filter((edge) => byId.has(edge.source) && byId.has(edge.target));
  return topologicalOrder([...byId.keys()], edges).map((id) => byId.get(id)!);
}
