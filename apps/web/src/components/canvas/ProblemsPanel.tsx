"use client";
import type { GraphProblem, PipelineGraph } from "@sluice/shared";
import { nodeTitle, problemText } from "./graph-model";

/** Every problem validateGraph reports, errors first; a click jumps to the node and field. */
export function ProblemsPanel({
  problems,
  graph,
  onSelect,
}: {
  problems: readonly GraphProblem[];
  graph: PipelineGraph;
  onSelect: (problem: GraphProblem) => void;
}) {
  if (problems.length === 0) {
    return (
      <p className="p-4 text-sm text-emerald-700 dark:text-emerald-400" data-testid="no-problems">
        ✓ No problems. This draft can be published.
      </p>
    );
  }
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  return (
    <ul
      className="divide-y divide-slate-100 text-sm dark:divide-slate-800"
      aria-label="Problems"
      data-testid="problems-list"
    >
      {sorted.map((p, i) => {
        const node = p.nodeId ? graph.nodes.find((n) => n.id === p.nodeId) : undefined;
        return (
          <li key={`${p.code}-${p.nodeId}-${p.edgeId}-${p.field}-${i}`}>
            <button
              type="button"
              className="flex w-full items-start gap-2 px-4 py-2 text-left hover:bg-slate-50 dark:hover:bg-slate-800/60"
              onClick={() => onSelect(p)}
            >
              <span
                aria-label={p.severity}
                className={`mt-0.5 shrink-0 rounded px-1.5 text-[10px] font-bold uppercase ${p.severity === "error" ? "bg-red-100 text-red-700 dark:bg-red-950 dark:text-red-300" : "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300"}`}
              >
                {p.severity}
              </span>
              <span className="min-w-0 flex-1">
                <span className="block">
                  {p.field && p.code === "node.invalid-config" ? `${p.field}: ${problemText(p.message)}` : p.message}
                </span>
                <span className="block font-mono text-[11px] text-slate-500">
                  {node ? nodeTitle(node) : p.edgeId ? "edge" : "pipeline"}
                  {p.field ? ` › ${p.field}` : ""}
                  {p.position ? ` @ ${p.position.line}:${p.position.column}` : ""} · {p.code}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
