"use client";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type RefObject } from "react";
import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type OnDelete,
  type Viewport,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { isNodeTypeId, nodeRegistry, outputPortsFor, type NodeDescriptor, type PipelineGraph } from "@sluice/shared";
import { connectionProblem, createNode, edgeId, removeFromGraph, type ProblemIndex } from "./graph-model";
import { LiveEdge } from "./LiveEdge";
import { PALETTE_MIME } from "./Palette";
import { PipelineNodeView, type PipelineFlowNode } from "./PipelineNodeView";
import { useColorMode } from "./use-color-mode";

/** Module scope: a new object per render would make xyflow remount every node. */
const nodeTypes = { pipeline: PipelineNodeView };
const edgeTypes = { live: LiveEdge };

export type Selection = { nodes: ReadonlySet<string>; edges: ReadonlySet<string> };
export const EMPTY_SELECTION: Selection = { nodes: new Set(), edges: new Set() };

export type DiffMarks = {
  nodes: ReadonlyMap<string, "added" | "removed" | "changed">;
  edges: ReadonlyMap<string, "added" | "removed">;
};

type Props = {
  graph: PipelineGraph;
  problems: ProblemIndex;
  readOnly: boolean;
  selection: Selection;
  onSelectionChange: (selection: Selection) => void;
  onEdit: (update: (graph: PipelineGraph) => PipelineGraph, coalesceKey?: string) => void;
  /** Node sizes as measured by xyflow, for auto-layout. */
  sizes: RefObject<Map<string, { width: number; height: number }>>;
  diff?: DiffMarks;
  onRefused?: (reason: string) => void;
  /** The pipeline runs: edges become live edges (rate, lag, health), figures from the LiveStore context. */
  live?: boolean;
  /** Monitoring mode: a click on a node calls this instead of only selecting it. */
  onNodeOpen?: (nodeId: string) => void;
  /** Where the user last looked at this pipeline; without it a loaded graph is fitted into view. */
  initialViewport?: Viewport | null;
  /** Called when a pan or zoom ends. */
  onViewportChange?: (viewport: Viewport) => void;
  /** A drawer narrows the canvas from the right: the minimap shrinks into the top corner, off the nodes. */
  drawerOpen?: boolean;
};

/** The pipeline canvas: a controlled xyflow view over the PipelineGraph, which stays the one source of truth. */
export function PipelineCanvas({
  graph,
  problems,
  readOnly,
  selection,
  onSelectionChange,
  onEdit,
  sizes,
  diff,
  onRefused,
  live,
  onNodeOpen,
  initialViewport,
  onViewportChange,
  drawerOpen,
}: Props) {
  const flow = useReactFlow();
  const colorMode = useColorMode();
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  // Fit once to a loaded graph; on an empty canvas xyflow would otherwise fit to the first dropped node.
  const [fitOnLoad] = useState(() => graph.nodes.length > 0 && !initialViewport);
  const initialized = useNodesInitialized();
  const fitted = useRef(false);
  useEffect(() => {
    if (!fitOnLoad || !initialized || fitted.current) return;
    fitted.current = true;
    void flow.fitView({ padding: 0.25, maxZoom: 1.2 });
  }, [fitOnLoad, flow, initialized]);
  const [measured, setMeasured] = useState<ReadonlyMap<string, { width: number; height: number }>>(new Map());

  const nodes = useMemo<PipelineFlowNode[]>(
    () =>
      graph.nodes.map((node) => {
        const size = measured.get(node.id);
        const mark = diff?.nodes.get(node.id);
        return {
          id: node.id,
          type: "pipeline",
          position: node.position,
          selected: selection.nodes.has(node.id),
          data: { node, problems: problems.byNode.get(node.id) ?? [], ...(mark ? { diff: mark } : {}) },
          ...(size ? { measured: size } : {}),
        };
      }),
    [graph.nodes, measured, selection.nodes, problems, diff],
  );

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((edge) => {
        const from = graph.nodes.find((n) => n.id === edge.source);
        const deadLetter = from
          ? outputPortsFor(from)?.find((p) => p.name === edge.sourcePort)?.kind === "dead-letter"
          : false;
        const broken = problems.byEdge.has(edge.id);
        const mark = diff?.edges.get(edge.id);
        const selected = selection.edges.has(edge.id);
        const problemLabel = broken ? `⚠ ${problems.byEdge.get(edge.id)!.length}` : undefined;
        const color =
          mark === "added"
            ? "#10b981"
            : mark === "removed"
              ? "#ef4444"
              : selected
                ? "#1d6ef1"
                : broken
                  ? "#dc2626"
                  : deadLetter
                    ? "#f87171"
                    : "#64748b";
        return {
          id: edge.id,
          source: edge.source,
          target: edge.target,
          sourceHandle: edge.sourcePort,
          targetHandle: edge.targetPort,
          selected,
          ariaLabel: `Edge from ${edge.source} ${edge.sourcePort} to ${edge.target} ${edge.targetPort}`,
          ...(live && !mark
            ? {
                type: "live",
                data: { ...(problemLabel ? { problemLabel } : {}), emphasized: selected || broken || deadLetter },
              }
            : { label: problemLabel }),
          style: {
            stroke: color,
            strokeWidth: selected ? 3 : 2,
            strokeDasharray: deadLetter || mark === "removed" ? "6 4" : undefined,
          },
          markerEnd: { type: MarkerType.ArrowClosed, color },
        };
      }),
    [graph, problems, selection.edges, diff, live],
  );

  const onMoveEnd = useCallback((_: unknown, viewport: Viewport) => onViewportChange?.(viewport), [onViewportChange]);

  const onNodeClick = useCallback((_: unknown, node: PipelineFlowNode) => onNodeOpen?.(node.id), [onNodeOpen]);

  const onNodesChange = useCallback(
    (changes: NodeChange<PipelineFlowNode>[]) => {
      const moves = new Map<string, { x: number; y: number }>();
      let nextNodes: Set<string> | null = null;
      let sized = false;
      const nextSizes = new Map(sizes.current);
      for (const change of changes) {
        if (change.type === "position" && change.position && !readOnly) moves.set(change.id, change.position);
        else if (change.type === "select") {
          nextNodes ??= new Set(selectionRef.current.nodes);
          if (change.selected) nextNodes.add(change.id);
          else nextNodes.delete(change.id);
        } else if (change.type === "dimensions" && change.dimensions) {
          nextSizes.set(change.id, change.dimensions);
          sized = true;
        }
      }
      if (sized) {
        sizes.current = nextSizes;
        setMeasured(nextSizes);
      }
      if (nextNodes) onSelectionChange({ nodes: nextNodes, edges: selectionRef.current.edges });
      if (moves.size > 0) {
        // One undo step per drag gesture: all frames of a drag share the coalesce key.
        onEdit(
          (g) => ({
            ...g,
            nodes: g.nodes.map((n) => (moves.has(n.id) ? { ...n, position: roundPosition(moves.get(n.id)!) } : n)),
          }),
          `move:${[...moves.keys()].sort().join(",")}`,
        );
      }
    },
    [onEdit, onSelectionChange, readOnly, sizes],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      let nextEdges: Set<string> | null = null;
      for (const change of changes) {
        if (change.type !== "select") continue;
        nextEdges ??= new Set(selectionRef.current.edges);
        if (change.selected) nextEdges.add(change.id);
        else nextEdges.delete(change.id);
      }
      if (nextEdges) onSelectionChange({ nodes: selectionRef.current.nodes, edges: nextEdges });
    },
    [onSelectionChange],
  );

  const onDelete: OnDelete<PipelineFlowNode, Edge> = useCallback(
    ({ nodes: deletedNodes, edges: deletedEdges }) => {
      if (readOnly) return;
      onEdit((g) => removeFromGraph(g, new Set(deletedNodes.map((n) => n.id)), new Set(deletedEdges.map((e) => e.id))));
      onSelectionChange(EMPTY_SELECTION);
    },
    [onEdit, onSelectionChange, readOnly],
  );

  const isValidConnection = useCallback(
    (connection: Edge | Connection) => connectionProblem(graphRef.current, connection) === null,
    [],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const reason = connectionProblem(graphRef.current, connection);
      if (reason) {
        onRefused?.(reason);
        return;
      }
      const edge = {
        source: connection.source,
        sourcePort: connection.sourceHandle ?? "out",
        target: connection.target,
        targetPort: connection.targetHandle ?? "in",
      };
      onEdit((g) => ({ ...g, edges: [...g.edges, { ...edge, id: edgeId(edge) }] }));
    },
    [onEdit, onRefused],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      const descriptor: NodeDescriptor | undefined = isNodeTypeId(type) ? nodeRegistry[type] : undefined;
      if (!descriptor || readOnly) return;
      event.preventDefault();
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const node = createNode(
        descriptor,
        { x: position.x - 120, y: position.y - 30 },
        new Set(graphRef.current.nodes.map((n) => n.id)),
      );
      onEdit((g) => ({ ...g, nodes: [...g.nodes, node] }));
      onSelectionChange({ nodes: new Set([node.id]), edges: new Set() });
    },
    [flow, onEdit, onSelectionChange, readOnly],
  );

  return (
    <div
      className="h-full w-full bg-slate-50 dark:bg-slate-950"
      onDragOver={onDragOver}
      onDrop={onDrop}
      data-testid="canvas"
    >
      <ReactFlow<PipelineFlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodeClick={onNodeOpen ? onNodeClick : undefined}
        colorMode={colorMode}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onDelete={onDelete}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        multiSelectionKeyCode={["Meta", "Control", "Shift"]}
        selectionOnDrag={false}
        snapToGrid
        snapGrid={[10, 10]}
        fitView={fitOnLoad}
        {...(initialViewport ? { defaultViewport: initialViewport } : {})}
        onMoveEnd={onMoveEnd}
        fitViewOptions={{ padding: 0.25, maxZoom: 1.2 }}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        connectionRadius={28}
        aria-label="Pipeline canvas"
        style={{ background: "transparent" }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} bgColor="transparent" />
        <Controls showInteractive={false} position="bottom-left" />
        <MiniMap
          pannable
          zoomable
          position={drawerOpen ? "top-right" : "bottom-right"}
          style={drawerOpen ? { width: 120, height: 80 } : undefined}
          ariaLabel="Minimap"
          nodeStrokeWidth={3}
        />
      </ReactFlow>
      {graph.nodes.length === 0 && (
        <div className="pointer-events-none absolute inset-0 flex items-center justify-center">
          <div
            className="rounded-xl border border-dashed border-slate-300 bg-white/80 px-8 py-6 text-center shadow-sm dark:border-slate-700 dark:bg-slate-900/80"
            data-testid="canvas-empty"
          >
            <p className="font-medium">
              {readOnly ? "This pipeline is empty" : "Drag a source from the palette to start"}
            </p>
            {!readOnly && (
              <p className="mt-1 text-sm text-slate-500">Then add transforms and a sink, and connect their ports.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function roundPosition(p: { x: number; y: number }) {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}
