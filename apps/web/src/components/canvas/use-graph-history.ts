import { useCallback, useState } from "react";
import type { PipelineGraph } from "@sluice/shared";

/** Enough to undo a long session without holding unbounded snapshots. */
const MAX_HISTORY = 200;
/** Edits with the same coalesce key this close together become one undo step (typing, dragging). */
const COALESCE_MS = 1_000;

type History = {
  past: PipelineGraph[];
  present: PipelineGraph;
  future: PipelineGraph[];
  lastKey: string | null;
  lastAt: number;
};

export type GraphHistory = {
  graph: PipelineGraph;
  canUndo: boolean;
  canRedo: boolean;
  /** Applies an edit as a new undo step, or merges it into the previous one when `coalesceKey` matches. */
  edit: (update: (graph: PipelineGraph) => PipelineGraph, coalesceKey?: string) => void;
  undo: () => void;
  redo: () => void;
  /** Replaces everything (load, reload after conflict, restore): not undoable. */
  reset: (graph: PipelineGraph) => void;
};

/** Snapshot history of the whole graph: every edit is undoable, graphs are small and immutable. */
export function useGraphHistory(initial: PipelineGraph): GraphHistory {
  const [state, setState] = useState<History>({ past: [], present: initial, future: [], lastKey: null, lastAt: 0 });

  const edit = useCallback((update: (graph: PipelineGraph) => PipelineGraph, coalesceKey?: string) => {
    setState((s) => {
      const next = update(s.present);
      if (next === s.present) return s;
      const now = Date.now();
      const merge = coalesceKey !== undefined && coalesceKey === s.lastKey && now - s.lastAt < COALESCE_MS;
      return {
        past: merge ? s.past : [...s.past, s.present].slice(-MAX_HISTORY),
        present: next,
        future: [],
        lastKey: coalesceKey ?? null,
        lastAt: now,
      };
    });
  }, []);

  const undo = useCallback(() => {
    setState((s) => {
      const previous = s.past.at(-1);
      if (!previous) return s;
      return {
        past: s.past.slice(0, -1),
        present: previous,
        future: [s.present, ...s.future],
        lastKey: null,
        lastAt: 0,
      };
    });
  }, []);

  const redo = useCallback(() => {
    setState((s) => {
      const [next, ...rest] = s.future;
      if (!next) return s;
      return { past: [...s.past, s.present], present: next, future: rest, lastKey: null, lastAt: 0 };
    });
  }, []);

  const reset = useCallback((graph: PipelineGraph) => {
    setState({ past: [], present: graph, future: [], lastKey: null, lastAt: 0 });
  }, []);

  return {
    graph: state.present,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    edit,
    undo,
    redo,
    reset,
  };
}
