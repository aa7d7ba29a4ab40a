"use client";
import { useState } from "react";
import type { GraphProblem, PipelineGraph } from "@sluice/shared";
import { PreviewPanel } from "@/components/canvas/PreviewPanel";
import { ProblemsPanel } from "@/components/canvas/ProblemsPanel";

/** The panel under the canvas: the draft's problems, and a preview run (for roles that may preview). */
export function BottomPanel({
  workspaceId,
  graph,
  problems,
  errorCount,
  onProblem,
  canPreview,
  selectedNodeId,
  onSelectNode,
}: {
  workspaceId: string;
  graph: PipelineGraph;
  problems: GraphProblem[];
  errorCount: number;
  onProblem: (problem: GraphProblem) => void;
  canPreview: boolean;
  selectedNodeId: string | null;
  onSelectNode: (nodeId: string) => void;
}) {
  const [bottom, setBottom] = useState<"problems" | "preview" | null>(null);
  return (
    <div
      className={`flex flex-col border-t border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 ${bottom ? "h-72" : ""}`}
    >
      <div className="flex items-center gap-1 px-2 py-1" role="tablist" aria-label="Bottom panel">
        <button
          type="button"
          role="tab"
          aria-selected={bottom === "problems"}
          className="btn-ghost px-2 py-1 text-xs aria-selected:bg-slate-100 dark:aria-selected:bg-slate-800"
          onClick={() => setBottom((b) => (b === "problems" ? null : "problems"))}
        >
          Problems
          <span
            data-testid="problem-count"
            className={`rounded-full px-1.5 text-[10px] font-bold ${errorCount > 0 ? "bg-red-600 text-white" : problems.length > 0 ? "bg-amber-400 text-slate-900" : "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"}`}
          >
            {problems.length}
          </span>
        </button>
        {canPreview && (
          <button
            type="button"
            role="tab"
            aria-selected={bottom === "preview"}
            className="btn-ghost px-2 py-1 text-xs aria-selected:bg-slate-100 dark:aria-selected:bg-slate-800"
            onClick={() => setBottom((b) => (b === "preview" ? null : "preview"))}
          >
            Preview
          </button>
        )}
        {bottom && (
          <button
            type="button"
            className="btn-ghost ml-auto px-2 py-1 text-xs"
            aria-label="Collapse panel"
            onClick={() => setBottom(null)}
          >
            ▾
          </button>
        )}
      </div>
      {bottom === "problems" && (
        <div className="min-h-0 flex-1 overflow-y-auto border-t border-slate-200 dark:border-slate-800">
          <ProblemsPanel problems={problems} graph={graph} onSelect={onProblem} />
        </div>
      )}
      {bottom === "preview" && canPreview && (
        <div className="min-h-0 flex-1 border-t border-slate-200 dark:border-slate-800">
          <PreviewPanel
            workspaceId={workspaceId}
            graph={graph}
            selectedNodeId={selectedNodeId}
            onSelectNode={onSelectNode}
          />
        </div>
      )}
    </div>
  );
}
