import { z } from "zod";

/**
 * Every problem validateGraph can report. Codes are stable API: the canvas keys badges and help text
 * on them, the API returns them, tests assert on them.
 */
export const GraphProblemCode = z.enum([
  "graph.invalid",
  "graph.no-source",
  "graph.no-sink",
  "graph.cycle",
  "node.duplicate-id",
  "node.unknown-type",
  "node.unknown-type-version",
  "node.invalid-config",
  "node.unknown-credential",
  "node.input-not-connected",
  "node.output-not-connected",
  "node.unreachable",
  "node.reserved-topic",
  "node.reserved-group",
  "node.duplicate-group",
  "node.unknown-connection",
  "node.registry-missing",
  "node.unknown-registry",
  "node.schema-incompatible",
  "node.registry-unavailable",
  "node.duplicate-view",
  "node.parquet-columns",
  "edge.duplicate-id",
  "edge.duplicate",
  "edge.unknown-node",
  "edge.unknown-port",
  "edge.port-kind-mismatch",
  "expression.syntax",
  "expression.type",
  "expression.regex",
  "expression.too-complex",
  "expression.too-long",
  "expression.unknown-field",
  "field.unknown",
]);
export type GraphProblemCode = z.infer<typeof GraphProblemCode>;

/** Errors block save-as-deployable and deploy; warnings are shown but allowed. */
export const ProblemSeverity = z.enum(["error", "warning"]);
export type ProblemSeverity = z.infer<typeof ProblemSeverity>;

const WARNINGS: ReadonlySet<GraphProblemCode> = new Set([
  "node.output-not-connected",
  "node.unreachable",
  "edge.duplicate",
  "expression.unknown-field",
  "field.unknown",
]);

export function severityOf(code: GraphProblemCode): ProblemSeverity {
  return WARNINGS.has(code) ? "warning" : "error";
}

export const GraphProblem = z.object({
  code: GraphProblemCode,
  severity: ProblemSeverity,
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  /** Dotted config path for node problems (`assignments.0.expression`), or graph path for `graph.invalid`. */
  field: z.string().optional(),
  /** Port name for port problems. */
  port: z.string().optional(),
  /** Where inside an expression, for expression problems (1-based line/column). */
  position: z.object({ line: z.number(), column: z.number(), offset: z.number() }).optional(),
  endOffset: z.number().optional(),
});
export type GraphProblem = z.infer<typeof GraphProblem>;

export function problem(
  code: GraphProblemCode,
  message: string,
  where: Omit<GraphProblem, "code" | "severity" | "message"> = {},
): GraphProblem {
  return { code, severity: severityOf(code), message, ...where };
}

export function hasErrors(problems: readonly GraphProblem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
