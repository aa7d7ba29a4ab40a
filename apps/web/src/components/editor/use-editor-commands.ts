"use client";
import { type Dispatch, type RefObject, type SetStateAction, useCallback, useEffect } from "react";
import { useReactFlow } from "@xyflow/react";
import { isNodeTypeId, nodeRegistry, type PipelineGraph } from "@sluice/shared";
import { useToast } from "@/components/Toaster";
import { autoLayout } from "@/components/canvas/auto-layout";
import { cloneSubgraph, createNode } from "@/components/canvas/graph-model";
import { EMPTY_SELECTION, type Selection } from "@/components/canvas/PipelineCanvas";
import type { GraphHistory } from "@/components/canvas/use-graph-history";

/** The clipboard survives switching pipelines in the same tab, like n8n's. */
let clipboard: PipelineGraph | null = null;

/**
 * The editor's editing commands (copy, paste, duplicate, auto-layout, add from the palette) and its
 * canvas-wide keyboard shortcuts; typing in fields keeps native behaviour, and an open dialog gets the keys.
 */
export function useEditorCommands(o: {
  graph: PipelineGraph;
  /** The graph on the canvas (the draft, or a version shown over it). */
  shown: PipelineGraph;
  edit: GraphHistory["edit"];
  undo: () => void;
  redo: () => void;
  readOnly: boolean;
  selection: Selection;
  setSelection: Dispatch<SetStateAction<Selection>>;
  sizes: RefObject<Map<string, { width: number; height: number }>>;
  dialogOpen: boolean;
  openHelp: () => void;
  save: () => unknown;
}) {
  const { graph, shown, edit, undo, redo, readOnly, selection, setSelection, sizes, dialogOpen, openHelp, save } = o;
  const { toast } = useToast();
  const flow = useReactFlow();

  const copy = useCallback(() => {
    const nodes = graph.nodes.filter((n) => selection.nodes.has(n.id));
    if (nodes.length === 0) return;
    const ids = new Set(nodes.map((n) => n.id));
    clipboard = { nodes, edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
    toast(`Copied ${nodes.length} node${nodes.length === 1 ? "" : "s"}`);
  }, [graph, selection.nodes, toast]);

  const paste = useCallback(
    (source: PipelineGraph | null) => {
      if (!source || readOnly) return;
      let created: string[] = [];
      edit((g) => {
        const result = cloneSubgraph(g, source, 40);
        created = result.newIds;
        return result.graph;
      });
      // `edit` runs the updater synchronously inside setState; select the copies on the next tick.
      setTimeout(() => setSelection({ nodes: new Set(created), edges: new Set() }), 0);
    },
    [edit, readOnly, setSelection],
  );

  const duplicate = useCallback(() => {
    const nodes = graph.nodes.filter((n) => selection.nodes.has(n.id));
    const ids = new Set(nodes.map((n) => n.id));
    paste({ nodes, edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) });
  }, [graph, paste, selection.nodes]);

  const layout = useCallback(() => {
    if (readOnly) return;
    edit((g) => autoLayout(g, sizes.current));
    setTimeout(() => void flow.fitView({ padding: 0.25, duration: 300 }), 50);
  }, [edit, flow, readOnly, sizes]);

  const addFromPalette = useCallback(
    (type: string) => {
      if (!isNodeTypeId(type)) return;
      const center = flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
      const node = createNode(
        nodeRegistry[type],
        { x: center.x - 120 + graph.nodes.length * 10, y: center.y - 40 },
        new Set(graph.nodes.map((n) => n.id)),
      );
      edit((g) => ({ ...g, nodes: [...g.nodes, node] }));
      setSelection({ nodes: new Set([node.id]), edges: new Set() });
    },
    [edit, flow, graph.nodes, setSelection],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, textarea, select, [contenteditable=true]") || dialogOpen) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) {
        e.preventDefault();
        if (!readOnly) undo();
      } else if (mod && ((key === "z" && e.shiftKey) || key === "y")) {
        e.preventDefault();
        if (!readOnly) redo();
      } else if (mod && key === "c") copy();
      else if (mod && key === "v") paste(clipboard);
      else if (mod && key === "d") {
        e.preventDefault();
        duplicate();
      } else if (mod && key === "a") {
        e.preventDefault();
        setSelection({ nodes: new Set(shown.nodes.map((n) => n.id)), edges: new Set() });
      } else if (mod && key === "s") {
        e.preventDefault();
        void save();
      } else if (e.shiftKey && key === "l") layout();
      else if (e.shiftKey && key === "f") void flow.fitView({ padding: 0.25, duration: 300 });
      else if (e.key === "?") openHelp();
      else if (e.key === "Escape") setSelection(EMPTY_SELECTION);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [
    copy,
    dialogOpen,
    duplicate,
    flow,
    layout,
    openHelp,
    paste,
    readOnly,
    redo,
    save,
    setSelection,
    shown.nodes,
    undo,
  ]);

  return { layout, addFromPalette };
}
