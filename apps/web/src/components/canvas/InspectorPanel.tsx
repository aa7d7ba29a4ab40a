"use client";
import {
  getNodeDescriptor,
  type GraphProblem,
  type JsonValue,
  type PipelineGraph,
  type PipelineNode,
} from "@sluice/shared";
import { ConfigForm } from "@/components/forms/ConfigForm";
import { CATEGORY_STYLE, NodeIcon } from "./NodeIcon";
import { ConsumerGroupNote } from "./ConsumerGroupNote";
import { ParquetColumnsPanel } from "./ParquetColumnsPanel";
import { TopicSchemaPanel } from "./TopicSchemaPanel";

/** Side panel for the selected node: its label and the config form generated from its schema. */
export function InspectorPanel({
  node,
  graph,
  workspaceId,
  pipelineId,
  problems,
  readOnly,
  canReadSecrets,
  onLabel,
  onConfig,
  onClose,
}: {
  node: PipelineNode;
  /** The draft the node is in: what reaches the node (Parquet column types). */
  graph: PipelineGraph;
  workspaceId: string;
  pipelineId: string;
  problems: readonly GraphProblem[];
  readOnly: boolean;
  canReadSecrets: boolean;
  onLabel: (label: string) => void;
  onConfig: (config: Record<string, JsonValue>, field: string) => void;
  onClose: () => void;
}) {
  const descriptor = getNodeDescriptor(node.type, node.typeVersion);
  const nodeLevel = problems.filter((p) => p.field === undefined);
  return (
    <aside
      aria-label="Node settings"
      className="flex w-96 shrink-0 flex-col border-l border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
      data-testid="inspector"
    >
      <div className="flex items-start gap-3 border-b border-slate-200 p-4 dark:border-slate-800">
        <span
          className={`flex h-9 w-9 shrink-0 items-center justify-center rounded-md ${descriptor ? CATEGORY_STYLE[descriptor.category].chip : "bg-slate-100"}`}
        >
          <NodeIcon name={descriptor?.icon ?? "box"} className="h-5 w-5" />
        </span>
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold">{descriptor?.label ?? node.type}</h2>
          <p className="text-xs text-slate-500 dark:text-slate-400">{descriptor?.description ?? "Unknown node type"}</p>
          <p className="mt-1 font-mono text-[11px] text-slate-400">
            {node.id} · v{node.typeVersion}
          </p>
        </div>
        <button type="button" className="btn-ghost -mt-1 -mr-2 px-2" aria-label="Close node settings" onClick={onClose}>
          ✕
        </button>
      </div>
      <div className="flex-1 space-y-4 overflow-y-auto p-4">
        <div>
          <label htmlFor={`label-${node.id}`} className="label">
            Node label
          </label>
          <input
            id={`label-${node.id}`}
            className="input"
            maxLength={80}
            disabled={readOnly}
            placeholder={descriptor?.label}
            value={node.label ?? ""}
            onChange={(e) => onLabel(e.target.value)}
          />
        </div>
        {nodeLevel.length > 0 && (
          <ul
            className="space-y-1 rounded-md border border-slate-200 bg-slate-50 p-2 text-xs dark:border-slate-700 dark:bg-slate-950/50"
            aria-label="Node problems"
          >
            {nodeLevel.map((p, i) => (
              <li
                key={i}
                className={
                  p.severity === "error" ? "text-red-700 dark:text-red-300" : "text-amber-700 dark:text-amber-300"
                }
              >
                {p.severity === "error" ? "●" : "▲"} {p.message}
              </li>
            ))}
          </ul>
        )}
        {descriptor ? (
          <ConfigForm
            descriptor={descriptor}
            nodeId={node.id}
            workspaceId={workspaceId}
            config={node.config}
            problems={problems}
            readOnly={readOnly}
            canReadSecrets={canReadSecrets}
            onChange={onConfig}
          />
        ) : (
          <p className="text-sm text-slate-500">
            This node type is not known to this version of Sluice; its config is kept as is.
          </p>
        )}
        {node.type === "s3-sink" && <ParquetColumnsPanel node={node} graph={graph} />}
        {node.type === "kafka-source" && (
          <>
            <ConsumerGroupNote node={node} workspaceId={workspaceId} pipelineId={pipelineId} />
            <TopicSchemaPanel node={node} workspaceId={workspaceId} readOnly={readOnly} onConfig={onConfig} />
          </>
        )}
      </div>
    </aside>
  );
}
