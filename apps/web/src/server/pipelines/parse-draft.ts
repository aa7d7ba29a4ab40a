import "server-only";
import { PipelineGraph } from "@sluice/shared";

/** The graph of a new pipeline without a template. */
export const EMPTY_GRAPH: PipelineGraph = { nodes: [], edges: [] };

/** Parses a stored draft; a draft from an older format that no longer parses opens empty, with a problem. */
export function parseDraft(json: unknown): PipelineGraph {
  const r = PipelineGraph.safeParse(json);
  return r.success ? r.data : EMPTY_GRAPH;
}
