import { useCallback, useEffect, useRef, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import type { GraphProblem, PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

export type SaveState = "saved" | "unsaved" | "saving" | "conflict" | "error";

/** Typing pauses shorter than this are one save. */
const DEBOUNCE_MS = 800;

function errorCode(error: unknown): string | undefined {
  return (error as { data?: { code?: string } } | null)?.data?.code;
}

/**
 * Saves the draft after edits settle, with optimistic concurrency: each save names the revision it was
 * based on, and a stale base (someone else saved) stops autosave in the `conflict` state.
 */
export function useAutosave({
  workspaceId,
  pipelineId,
  graph,
  saved: initialSaved,
  enabled,
  onSaved,
}: {
  workspaceId: string;
  pipelineId: string;
  graph: PipelineGraph;
  /** The draft as loaded and its revision: the base of the first save. Read once. */
  saved: { graph: PipelineGraph; revision: number };
  enabled: boolean;
  onSaved?: (problems: GraphProblem[]) => void;
}) {
  const trpc = useTRPC();
  const save = useMutation(trpc.pipeline.saveDraft.mutationOptions());
  const [state, setState] = useState<SaveState>("saved");
  const [conflict, setConflict] = useState<string | null>(null);
  const [lastError, setLastError] = useState<string | null>(null);
  const [retry, setRetry] = useState(0);
  const saved = useRef<PipelineGraph | null>(initialSaved.graph);
  const revision = useRef(initialSaved.revision);
  const current = useRef(graph);
  current.current = graph;
  const inFlight = useRef<Promise<void> | null>(null);
  const mutateAsync = save.mutateAsync;

  /** Marks a graph as the server's copy (load, reload, restore) without saving it. */
  const adopt = useCallback((g: PipelineGraph, rev: number) => {
    saved.current = g;
    revision.current = rev;
    setConflict(null);
    setState("saved");
  }, []);

  const flush = useCallback(async (): Promise<boolean> => {
    while (inFlight.current) await inFlight.current;
    if (!enabled || current.current === saved.current) return true;
    if (conflict) return false;
    const sending = current.current;
    setState("saving");
    let ok = false;
    inFlight.current = (async () => {
      try {
        const result = await mutateAsync({ workspaceId, pipelineId, graph: sending, baseRevision: revision.current });
        revision.current = result.revision;
        saved.current = sending;
        setLastError(null);
        setState(current.current === sending ? "saved" : "unsaved");
        if (current.current !== sending) setRetry((n) => n + 1);
        onSaved?.(result.problems);
        ok = true;
      } catch (error) {
        if (errorCode(error) === "CONFLICT") {
          setConflict((error as Error).message);
          setState("conflict");
        } else {
          setLastError((error as Error).message);
          setState("error");
        }
      } finally {
        inFlight.current = null;
      }
    })();
    await inFlight.current;
    return ok;
  }, [conflict, enabled, mutateAsync, onSaved, pipelineId, workspaceId]);

  useEffect(() => {
    if (!enabled || saved.current === null || conflict) return;
    if (graph === saved.current) {
      // Undo back to the saved graph: nothing left to save.
      setState((s) => (s === "unsaved" ? "saved" : s));
      return;
    }
    setState((s) => (s === "saving" ? s : "unsaved"));
    const timer = setTimeout(() => void flush(), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [graph, enabled, conflict, flush, retry]);

  // Leaving with unsaved edits asks first.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (enabled && saved.current !== null && current.current !== saved.current) event.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [enabled]);

  return { state, conflict, lastError, flush, adopt, revision: () => revision.current };
}
