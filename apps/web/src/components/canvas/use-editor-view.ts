import { useCallback, useEffect, useState } from "react";
import type { Viewport } from "@xyflow/react";
import { z } from "zod";
import type { PipelineGraph } from "@sluice/shared";
import type { Selection } from "./PipelineCanvas";

/** What the editor remembers per pipeline in this browser: where the user looked and what was selected. */
export const EditorView = z.object({
  viewport: z
    .object({ x: z.number().finite(), y: z.number().finite(), zoom: z.number().positive().finite() })
    .nullable(),
  nodes: z.array(z.string()).max(1000),
  edges: z.array(z.string()).max(1000),
});
export type EditorView = z.infer<typeof EditorView>;

export function editorViewKey(pipelineId: string): string {
  return `sluice:editor-view:${pipelineId}`;
}

/** A stored view, with the selected ids the graph no longer has dropped; null when absent or unreadable. */
export function parseEditorView(raw: string | null, graph: PipelineGraph): EditorView | null {
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = EditorView.safeParse(json);
  if (!parsed.success) return null;
  const nodeIds = new Set(graph.nodes.map((n) => n.id));
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  return {
    viewport: parsed.data.viewport,
    nodes: parsed.data.nodes.filter((id) => nodeIds.has(id)),
    edges: parsed.data.edges.filter((id) => edgeIds.has(id)),
  };
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the editor opens fitted, nothing selected
  }
}

function write(key: string, view: EditorView) {
  try {
    window.localStorage.setItem(key, JSON.stringify(view));
  } catch {
    // Full or disabled storage only costs the restored view.
  }
}

function stored(pipelineId: string, graph: PipelineGraph): EditorView | null {
  return typeof window === "undefined" ? null : parseEditorView(read(editorViewKey(pipelineId)), graph);
}

/** The selection the editor had when this pipeline was last open in this browser. */
export function storedSelection(pipelineId: string, graph: PipelineGraph): Selection {
  const view = stored(pipelineId, graph);
  return { nodes: new Set(view?.nodes), edges: new Set(view?.edges) };
}

/**
 * Remembers the editor's selection and viewport per pipeline in this browser, and returns the viewport
 * to reopen at (null: fit the graph into view instead).
 */
export function useEditorView(pipelineId: string, graph: PipelineGraph, selection: Selection) {
  const key = editorViewKey(pipelineId);
  const [initialViewport] = useState(() => stored(pipelineId, graph)?.viewport ?? null);
  const [viewport, setViewport] = useState<Viewport | null>(initialViewport);
  useEffect(() => {
    write(key, { viewport, nodes: [...selection.nodes], edges: [...selection.edges] });
  }, [key, viewport, selection]);
  const onViewportChange = useCallback(
    (next: Viewport) =>
      setViewport({ x: Math.round(next.x), y: Math.round(next.y), zoom: Math.round(next.zoom * 1000) / 1000 }),
    [],
  );
  return { initialViewport, onViewportChange };
}
