import { checkCredentials, type KnownCredentials } from "./check-credentials";
import { checkExpressions } from "./check-expressions";
import { checkParquetColumns } from "./check-parquet-columns";
import { checkPortKinds } from "./check-port-kinds";
import { checkEdges, checkNodes } from "./check-structure";
import { checkTopics, type GraphWorkspace } from "./check-topics";
import { checkTopology } from "./check-topology";
import { checkViews } from "./check-views";
import type { GraphContext } from "./graph-context";
import { formatPath, type GraphProblem, problem } from "./graph-problem";
import { PipelineGraph } from "./pipeline-graph";
import type { FieldSet } from "../nodes/field-set";
import { inferInputFields } from "./infer-fields";

/** What the caller knows about the workspace; each check that needs a part runs only when it is given. */
export type ValidationContext = GraphWorkspace & {
  /** The workspace's secrets and API keys: references to anything else are problems on their nodes. */
  credentials?: KnownCredentials;
};

/**
 * Every problem in a pipeline graph, each with a stable code, severity and the node/edge/field it
 * concerns. Called by the canvas on every edit, by the API on save and deploy, and by the runner before
 * it materialises anything, so all three agree on what is deployable (no problem of severity "error").
 *
 * Accepts unknown input (e.g. an imported JSON file): if it is not even shaped like a graph, only
 * `graph.invalid` problems are returned. `context` (the workspace's slug, Kafka connections and
 * credentials) adds the checks that need to know whose graph it is; reserved topic names are refused without it.
 */
export function validateGraph(input: unknown, context: ValidationContext = {}): GraphProblem[] {
  const parsed = PipelineGraph.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const [collection, index] = issue.path;
      const nodeId = collection === "nodes" && typeof index === "number" ? nodeIdAt(input, index) : undefined;
      return problem("graph.invalid", issue.message, { field: formatPath(issue.path), ...(nodeId ? { nodeId } : {}) });
    });
  }
  const ctx: GraphContext = { graph: parsed.data, nodes: new Map(), linkedEdges: [], typedEdges: [], problems: [] };
  checkNodes(ctx);
  checkEdges(ctx);
  checkTopology(ctx);
  checkPortKinds(ctx);
  checkExpressions(ctx);
  checkTopics(ctx, context);
  checkViews(ctx);
  checkParquetColumns(ctx);
  if (context.credentials) checkCredentials(ctx, context.credentials);
  return ctx.problems;
}

function nodeIdAt(input: unknown, index: number): string | undefined {
  const nodes = (input as { nodes?: unknown }).nodes;
  const node: unknown = Array.isArray(nodes) ? nodes[index] : undefined;
  const id = (node as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/** The fields known to reach each node's input (open where unknown): what kafka-sink derives its Avro schema from. */
export function inputFieldsOf(graph: PipelineGraph): Map<string, FieldSet> {
  const ctx: GraphContext = { graph, nodes: new Map(), linkedEdges: [], typedEdges: [], problems: [] };
  checkNodes(ctx);
  checkEdges(ctx);
  checkTopology(ctx);
  checkPortKinds(ctx);
  return inferInputFields(ctx);
}
