"use client";
import type { PipelineGraph, PipelineNode } from "@sluice/shared";
import { type ProblemIndex, updateNode } from "@/components/canvas/graph-model";
import { InspectorPanel } from "@/components/canvas/InspectorPanel";
import { NodeDetailDrawer } from "@/components/canvas/NodeDetailDrawer";
import type { GraphHistory } from "@/components/canvas/use-graph-history";
import { type CanvasOverlay, VersionsDrawer } from "@/components/canvas/VersionsDrawer";
import { ChangesList } from "./ChangesList";

/**
 * The panel beside the canvas, one at a time: a running node's live details, the versions drawer
 * (with the changes of a diff), or the inspector of the selected node.
 */
export function SidePanel({
  workspaceId,
  pipelineId,
  graph,
  shown,
  liveNode,
  closeLiveNode,
  versionsOpen,
  overlay,
  canEdit,
  baseRevision,
  onShowOverlay,
  onRestored,
  onCloseVersions,
  selectedNode,
  monitoring,
  problemIndex,
  readOnly,
  canReadSecrets,
  edit,
  clearSelection,
}: {
  workspaceId: string;
  pipelineId: string;
  /** The draft. */
  graph: PipelineGraph;
  /** What the canvas shows: the draft, or a version over it. */
  shown: PipelineGraph;
  liveNode: PipelineNode | undefined;
  closeLiveNode: () => void;
  versionsOpen: boolean;
  overlay: CanvasOverlay | null;
  canEdit: boolean;
  baseRevision: () => number;
  onShowOverlay: (overlay: CanvasOverlay | null) => void;
  onRestored: () => void;
  onCloseVersions: () => void;
  selectedNode: PipelineNode | undefined;
  monitoring: boolean;
  problemIndex: ProblemIndex;
  readOnly: boolean;
  canReadSecrets: boolean;
  edit: GraphHistory["edit"];
  clearSelection: () => void;
}) {
  if (liveNode)
    return (
      <NodeDetailDrawer
        key={liveNode.id}
        node={liveNode}
        inputs={shown.edges.filter((e) => e.target === liveNode.id)}
        onClose={closeLiveNode}
      />
    );
  if (versionsOpen) {
    return (
      <div className="flex">
        {overlay?.changes && <ChangesList changes={overlay.changes} />}
        <VersionsDrawer
          workspaceId={workspaceId}
          pipelineId={pipelineId}
          draft={graph}
          canRestore={canEdit}
          baseRevision={baseRevision}
          onShow={onShowOverlay}
          onRestored={onRestored}
          onClose={onCloseVersions}
        />
      </div>
    );
  }
  if (!selectedNode || monitoring) return null;
  return (
    <InspectorPanel
      key={selectedNode.id}
      node={selectedNode}
      graph={graph}
      workspaceId={workspaceId}
      pipelineId={pipelineId}
      problems={problemIndex.byNode.get(selectedNode.id) ?? []}
      readOnly={readOnly}
      canReadSecrets={canReadSecrets}
      onLabel={(label) =>
        edit(
          (g) => updateNode(g, selectedNode.id, (n) => ({ ...n, label: label || undefined })),
          `label:${selectedNode.id}`,
        )
      }
      onConfig={(config, field) =>
        edit((g) => updateNode(g, selectedNode.id, (n) => ({ ...n, config })), `config:${selectedNode.id}:${field}`)
      }
      onClose={clearSelection}
    />
  );
}
