import type { PipelineEdge, PipelineGraph } from "../graph/pipeline-graph";

/**
 * A starting point offered when creating a pipeline. Secret and API-key ids in templates are
 * placeholders named for what to pick; the config form asks for real ones before deploy.
 */
export type PipelineTemplate = {
  id: string;
  name: string;
  description: string;
  graph: PipelineGraph;
};

/** Grid placement so template graphs open tidy on the canvas. */
export function at(column: number, row: number): { x: number; y: number } {
  return { x: column * 280, y: row * 160 };
}

/** An edge of a template graph: `source.sourcePort -> target.in`, named after its ends. */
export function wire(source: string, target: string, sourcePort = "out"): PipelineEdge {
  return { id: `e-${source}-${target}`, source, sourcePort, target, targetPort: "in" };
}
