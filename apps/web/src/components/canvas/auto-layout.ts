import dagre from "@dagrejs/dagre";
import type { PipelineGraph } from "@sluice/shared";

const NODE_WIDTH = 240;
const NODE_HEIGHT = 110;

/** Left-to-right layered layout, the way data flows: sources left, sinks right. */
export function autoLayout(
  graph: PipelineGraph,
  sizes: ReadonlyMap<string, { width: number; height: number }>,
): PipelineGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    const size = sizes.get(node.id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    g.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const laid = g.node(node.id);
      const size = sizes.get(node.id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
      return laid
        ? { ...node, position: { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) } }
        : node;
    }),
  };
}
