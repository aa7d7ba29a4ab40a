import {
  getNodeDescriptor,
  inputPortsFor,
  outputPortsFor,
  reachableFrom,
  type GraphProblem,
  type NodeDescriptor,
  type PipelineEdge,
  type PipelineGraph,
  type PipelineNode,
  type PortKind,
} from "@sluice/shared";

export const EMPTY_GRAPH: PipelineGraph = { nodes: [], edges: [] };

/** Reads a saved draft defensively: a malformed draft opens as an empty canvas instead of crashing. */
export function asGraph(value: unknown): PipelineGraph {
  if (
    value &&
    typeof value === "object" &&
    Array.isArray((value as PipelineGraph).nodes) &&
    Array.isArray((value as PipelineGraph).edges)
  ) {
    return value as PipelineGraph;
  }
  return EMPTY_GRAPH;
}

/** A fresh node id that is Kafka-safe and unique in the graph: `filter-3`. */
function newNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = type.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 56);
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export function edgeId(edge: Pick<PipelineEdge, "source" | "sourcePort" | "target" | "targetPort">): string {
  return `${edge.source}.${edge.sourcePort}->${edge.target}.${edge.targetPort}`.slice(0, 128);
}

/** A node as dropped from the palette: the descriptor's defaults, not its example, so forms start clean. */
export function createNode(
  descriptor: NodeDescriptor,
  position: { x: number; y: number },
  taken: ReadonlySet<string>,
): PipelineNode {
  return {
    id: newNodeId(descriptor.type, taken),
    type: descriptor.type,
    typeVersion: descriptor.typeVersion,
    config: {},
    position: { x: Math.round(position.x), y: Math.round(position.y) },
  };
}

export type ConnectionAttempt = {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
};

/**
 * Whether a connection may be drawn, checked while the user drags so invalid targets never light up.
 * Mirrors validateGraph's structural rules: no self loops, no duplicates, no cycles, compatible kinds.
 * Returns the reason for refusal, or null when the edge is fine.
 */
export function connectionProblem(graph: PipelineGraph, connection: ConnectionAttempt): string | null {
  const { source, target } = connection;
  const sourcePort = connection.sourceHandle ?? null;
  const targetPort = connection.targetHandle ?? "in";
  if (!source || !target || !sourcePort) return "Incomplete connection";
  if (source === target) return "A node cannot feed itself";
  const from = graph.nodes.find((n) => n.id === source);
  const to = graph.nodes.find((n) => n.id === target);
  if (!from || !to) return "Unknown node";
  if (
    graph.edges.some(
      (e) => e.source === source && e.sourcePort === sourcePort && e.target === target && e.targetPort === targetPort,
    )
  ) {
    return "These ports are already connected";
  }
  const ids = graph.nodes.map((n) => n.id);
  if (reachableFrom([target], ids, graph.edges).has(source)) return "That would create a cycle";
  const out = outputPortsFor(from)?.find((p) => p.name === sourcePort);
  const input = inputPortsFor(to)?.find((p) => p.name === targetPort);
  if (!out || !input) return "Unknown port";
  const kinds = out.kind === "passthrough" ? upstreamKinds(graph, source) : [out.kind];
  if (kinds.some((kind) => !input.accepts.includes(kind))) return `${input.label} does not accept ${kinds.join(", ")}`;
  return null;
}

/** What kinds of records reach a node's input: passthrough ports forward them. */
function upstreamKinds(graph: PipelineGraph, nodeId: string, seen = new Set<string>()): PortKind[] {
  if (seen.has(nodeId)) return [];
  seen.add(nodeId);
  const kinds = new Set<PortKind>();
  for (const edge of graph.edges.filter((e) => e.target === nodeId)) {
    const node = graph.nodes.find((n) => n.id === edge.source);
    const port = node && outputPortsFor(node)?.find((p) => p.name === edge.sourcePort);
    if (!port) continue;
    for (const kind of port.kind === "passthrough" ? upstreamKinds(graph, edge.source, seen) : [port.kind])
      kinds.add(kind);
  }
  return [...kinds];
}

/** Copies nodes and the edges between them, renaming ids and offsetting positions (paste, duplicate). */
export function cloneSubgraph(
  graph: PipelineGraph,
  clip: PipelineGraph,
  offset: number,
): { graph: PipelineGraph; newIds: string[] } {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const nodes = clip.nodes.map((node) => {
    const id = newNodeId(node.type, taken);
    taken.add(id);
    rename.set(node.id, id);
    return { ...structuredClone(node), id, position: { x: node.position.x + offset, y: node.position.y + offset } };
  });
  const edges = clip.edges
    .filter((e) => rename.has(e.source) && rename.has(e.target))
    .map((e) => {
      const next = { ...e, source: rename.get(e.source)!, target: rename.get(e.target)! };
      return { ...next, id: edgeId(next) };
    });
  return {
    graph: { nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] },
    newIds: nodes.map((n) => n.id),
  };
}

export function removeFromGraph(
  graph: PipelineGraph,
  nodeIds: ReadonlySet<string>,
  edgeIds: ReadonlySet<string>,
): PipelineGraph {
  return {
    nodes: graph.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: graph.edges.filter((e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target)),
  };
}

export function updateNode(
  graph: PipelineGraph,
  nodeId: string,
  update: (node: PipelineNode) => PipelineNode,
): PipelineGraph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === nodeId ? update(n) : n)) };
}

export function nodeTitle(node: PipelineNode): string {
  return node.label || getNodeDescriptor(node.type, node.typeVersion)?.label || node.type;
}

export type ProblemIndex = { byNode: Map<string, GraphProblem[]>; byEdge: Map<string, GraphProblem[]> };

export function indexProblems(problems: readonly GraphProblem[]): ProblemIndex {
  const byNode = new Map<string, GraphProblem[]>();
  const byEdge = new Map<string, GraphProblem[]>();
  for (const p of problems) {
    if (p.edgeId) byEdge.set(p.edgeId, [...(byEdge.get(p.edgeId) ?? []), p]);
    else if (p.nodeId) byNode.set(p.nodeId, [...(byNode.get(p.nodeId) ?? []), p]);
  }
  return { byNode, byEdge };
}

/** zod's wording for a missing value reads like a type error; users just need to fill the field. */
export function problemText(message: string): string {
  return /received undefined$/.test(message) ? "Required" : message;
}
