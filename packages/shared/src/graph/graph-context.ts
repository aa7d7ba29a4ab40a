import type { NodeDescriptor } from "../nodes/node-descriptor";
import type { InputPort, OutputPort } from "../nodes/port";
import type { GraphProblem } from "./graph-problem";
import type { PipelineEdge, PipelineGraph, PipelineNode } from "./pipeline-graph";

/** A node with what validation could learn about it. */
export type ResolvedNode = {
  node: PipelineNode;
  descriptor?: NodeDescriptor;
  /** Parsed config (defaults applied) when it is valid. */
  config?: unknown;
  outputs: readonly OutputPort[];
  /** False while config-driven ports are unknown (invalid route config). */
  outputsComplete: boolean;
};

/** An edge whose endpoints exist and whose ports were found on both node types. */
export type TypedEdge = { edge: PipelineEdge; from: OutputPort; to: InputPort };

/** Shared state of one validateGraph run, filled in phase by phase. */
export type GraphContext = {
  graph: PipelineGraph;
  /** First node per id; duplicates are reported and ignored. */
  nodes: Map<string, ResolvedNode>;
  /** Edges between existing nodes (for topology), whatever their ports. */
  linkedEdges: PipelineEdge[];
  typedEdges: TypedEdge[];
  problems: GraphProblem[];
};

export function nodeName(node: PipelineNode): string {
  return node.label ? `"${node.label}"` : `"${node.id}"`;
}
