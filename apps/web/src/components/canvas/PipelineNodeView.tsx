"use client";
import { memo, useContext, useEffect, useState } from "react";
import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from "@xyflow/react";
import { getNodeDescriptor, inputPortsFor, outputPortsFor, type GraphProblem, type PipelineNode } from "@sluice/shared";
import { compact, perSec, STATUS_DOT } from "@/components/monitoring/format";
import { OpenNodeContext, useLiveNode } from "./live-store";
import { NodeMiniChart } from "./NodeMiniChart";
import { CATEGORY_STYLE, NodeIcon } from "./NodeIcon";

type PipelineNodeData = {
  node: PipelineNode;
  problems: readonly GraphProblem[];
  /** Versions diff colouring; absent while editing. */
  diff?: "added" | "removed" | "changed";
};
export type PipelineFlowNode = Node<PipelineNodeData, "pipeline">;

const DIFF_RING = {
  added: "ring-2 ring-emerald-500",
  removed: "ring-2 ring-red-500 opacity-60",
  changed: "ring-2 ring-amber-500",
} as const;

function PipelineNodeViewImpl({ id, data, selected }: NodeProps<PipelineFlowNode>) {
  const { node, problems, diff } = data;
  const descriptor = getNodeDescriptor(node.type, node.typeVersion);
  const inputs = inputPortsFor(node) ?? [];
  const outputs = outputPortsFor(node) ?? [];
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  const category = descriptor ? CATEGORY_STYLE[descriptor.category] : null;
  const updateNodeInternals = useUpdateNodeInternals();
  const portKey = outputs.map((p) => p.name).join("|");
  // Route's outputs follow its config: xyflow must re-measure handles when they change.
  useEffect(() => updateNodeInternals(id), [id, portKey, updateNodeInternals]);

  const live = useLiveNode(id);
  const openNode = useContext(OpenNodeContext);
  const [hovered, setHovered] = useState(false);

  const outline =
    errors > 0
      ? "border-red-500 dark:border-red-500"
      : warnings > 0
        ? "border-amber-400 dark:border-amber-500"
        : "border-slate-300 dark:border-slate-700";
  const rows = Math.max(inputs.length, outputs.length, 1);

  return (
    <div
      data-testid={`node-${id}`}
      aria-label={`${descriptor?.label ?? node.type} node ${node.label ?? id}${errors ? `, ${errors} errors` : ""}`}
      className={`relative w-60 rounded-lg border-2 bg-white text-slate-900 shadow-sm transition-shadow dark:bg-slate-900 dark:text-slate-100 ${outline} ${
        selected ? "shadow-lg ring-2 ring-brand-500/60" : ""
      } ${diff ? DIFF_RING[diff] : ""}`}
      onMouseEnter={live ? () => setHovered(true) : undefined}
      onMouseLeave={live ? () => setHovered(false) : undefined}
    >
      <div
        className={`absolute inset-y-0 left-0 w-1 rounded-l-md ${category?.accent ?? "bg-slate-400"}`}
        aria-hidden="true"
      />
      <div className="flex items-center gap-2 px-3 pt-2 pb-1.5">
        <span
          className={`flex h-7 w-7 shrink-0 items-center justify-center rounded-md ${category?.chip ?? "bg-slate-100 dark:bg-slate-800"}`}
        >
          <NodeIcon name={descriptor?.icon ?? "box"} />
        </span>
        <div className="min-w-0 flex-1">
          <div className="truncate text-sm font-semibold" title={node.label ?? id}>
            {node.label || descriptor?.label || node.type}
          </div>
          <div className="truncate font-mono text-[10px] text-slate-500 dark:text-slate-400">
            {node.type} · {id}
          </div>
        </div>
        {problems.length > 0 && (
          <span
            data-testid={`node-problems-${id}`}
            data-severity={errors > 0 ? "error" : "warning"}
            title={problems.map((p) => p.message).join("\n")}
            className={`rounded-full px-1.5 py-0.5 text-[10px] font-bold text-white ${errors > 0 ? "bg-red-600" : "bg-amber-500"}`}
          >
            {errors > 0 ? errors : warnings}
          </span>
        )}
      </div>
      {diff && <div className="px-3 pb-1 text-[10px] font-semibold tracking-wide uppercase text-slate-500">{diff}</div>}
      <div
        className="relative border-t border-slate-100 text-[11px] dark:border-slate-800"
        style={{ height: rows * 22 + 6 }}
      >
        {inputs.map((port, i) => (
          <div key={port.name} className="absolute left-0 flex items-center" style={{ top: 3 + i * 22, height: 22 }}>
            <Handle
              type="target"
              position={Position.Left}
              id={port.name}
              aria-label={`Input ${port.label}`}
              className="!h-3 !w-3 !border-2 !border-white !bg-slate-500 dark:!border-slate-900"
              style={{ top: 11 }}
            />
            <span className="pl-3 text-slate-600 dark:text-slate-300">{port.label}</span>
          </div>
        ))}
        {outputs.map((port, i) => {
          const deadLetter = port.kind === "dead-letter";
          return (
            <div
              key={port.name}
              className="absolute right-0 flex items-center"
              style={{ top: 3 + i * 22, height: 22 }}
              title={port.description}
            >
              <span
                className={`pr-3 ${deadLetter ? "text-red-600 dark:text-red-400" : "text-slate-600 dark:text-slate-300"}`}
              >
                {deadLetter ? "⚠ " : ""}
                {port.label}
              </span>
              <Handle
                type="source"
                position={Position.Right}
                id={port.name}
                aria-label={`Output ${port.label}`}
                data-testid={`handle-${id}-${port.name}`}
                className={`!h-3 !w-3 !border-2 !border-white dark:!border-slate-900 ${deadLetter ? "!rounded-sm !bg-red-500" : "!bg-brand-500"}`}
                style={{ top: 11 }}
              />
            </div>
          );
        })}
      </div>
      {live && (
        <div
          data-testid={`node-live-${id}`}
          data-status={live.status}
          className="flex items-center gap-1.5 border-t border-slate-100 px-3 py-1 font-mono text-[10px] dark:border-slate-800"
        >
          <span
            className={`h-2 w-2 shrink-0 rounded-full ${STATUS_DOT[live.status]}`}
            title={live.status}
            aria-label={`Status ${live.status}`}
          />
          <span title="Events in per second">
            in <span data-testid="node-rate-in">{perSec(live.inPerSec)}</span>
          </span>
          <span title="Events out per second">out {perSec(live.outPerSec)}</span>
          <span
            title="Errors since the runner started"
            className={live.errorsTotal > 0 ? "text-red-600 dark:text-red-400" : "text-slate-500"}
          >
            err {compact(live.errorsTotal)}
          </span>
          {openNode && (
            <button
              type="button"
              className="nodrag ml-auto rounded px-1 text-brand-600 hover:bg-slate-100 dark:text-brand-400 dark:hover:bg-slate-800"
              aria-label={`Details of ${node.label ?? id}`}
              onClick={(e) => {
                e.stopPropagation();
                openNode(id);
              }}
            >
              ⤢
            </button>
          )}
        </div>
      )}
      {live && hovered && (
        <div className="pointer-events-none absolute bottom-full left-0 z-10 mb-2">
          <NodeMiniChart nodeId={id} />
        </div>
      )}
    </div>
  );
}

export const PipelineNodeView = memo(PipelineNodeViewImpl);
