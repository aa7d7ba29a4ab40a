import { useCallback, useEffect, useRef, useState } from "react";
import type { GraphProblem, PipelineGraph } from "@sluice/shared";
import { pendingSavesSettled, trackSave } from "@/lib/pending-saves";
import { useTRPC } from "@/lib/trpc";
import { canKeepalive, keepaliveClient } from "@/lib/trpc-keepalive";

export type SaveState = "saved" | "unsaved" | "saving" | "conflict" | "error";

/** Typing pauses shorter than this are one save. */
const DEBOUNCE_MS = 800;

function errorCode(error: unknown): string | undefined {
  return (error as { data?: { code?: string } } | null)?.data?.code;
}

/**
 * Saves the draft after edits settle, with optimistic concurrency: each save names the revision it was
 * based on, and a stale base (someone else saved) stops autosave in the `conflict` state.
 *
 * Leaving never waits for the debounce: hiding the tab, closing or reloading it, and unmounting the
 * editor (in-app navigation) save at once. Saves are keepalive requests, so they complete after the page
 * is gone; an unmounted editor's save is tracked in `pending-saves` for whoever reads the draft next.
 * `beforeunload` asks the user only when the pending edits cannot be sent that way (conflict, a failed
 * save, a save still waiting for the previous one's answer, or a draft too big for keepalive); in-app
 * links ask when edits cannot be saved (conflict, failed save).
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
  const [state, setState] = useState<SaveState>("saved");
  const [conflict, setConflict] = useState<string | null>(null);
  const [lastError, setLastError] = useState<string | null>(null);
  const [retry, setRetry] = useState(0);
  const saved = useRef<PipelineGraph | null>(initialSaved.graph);
  const revision = useRef(initialSaved.revision);
  const current = useRef(graph);
  current.current = graph;
  const inFlight = useRef<Promise<void> | null>(null);
  /** The graph the save in flight carries. */
  const sending = useRef<PipelineGraph | null>(null);
  /** The last save failed (not a conflict): leaving may lose edits. */
  const failed = useRef(false);

  /** Marks a graph as the server's copy (load, reload, restore) without saving it. */
  const adopt = useCallback((g: PipelineGraph, rev: number) => {
    saved.current = g;
    revision.current = rev;
    failed.current = false;
    setConflict(null);
    setState("saved");
  }, []);

  const flush = useCallback(async (): Promise<boolean> => {
    while (inFlight.current) await inFlight.current;
    if (!enabled || current.current === saved.current) return true;
    if (conflict) return false;
    const graphToSend = current.current;
    sending.current = graphToSend;
    setState("saving");
    let ok = false;
    inFlight.current = (async () => {
      try {
        const result = await keepaliveClient.pipeline.saveDraft.mutate({
          workspaceId,
          pipelineId,
          graph: graphToSend,
          baseRevision: revision.current,
        });
        revision.current = result.revision;
        saved.current = graphToSend;
        failed.current = false;
        setLastError(null);
        setState(current.current === graphToSend ? "saved" : "unsaved");
        if (current.current !== graphToSend) setRetry((n) => n + 1);
        onSaved?.(result.problems);
        ok = true;
      } catch (error) {
        if (errorCode(error) === "CONFLICT") {
          setConflict((error as Error).message);
          setState("conflict");
        } else {
          failed.current = true;
          setLastError((error as Error).message);
          setState("error");
        }
      } finally {
        sending.current = null;
        inFlight.current = null;
      }
    })();
    await inFlight.current;
    return ok;
  }, [conflict, enabled, onSaved, pipelineId, workspaceId]);

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

  // The leave handlers are registered once; they read the latest state through refs.
  const latest = useRef({ enabled, conflict, flush, workspaceId, pipelineId });
  latest.current = { enabled, conflict, flush, workspaceId, pipelineId };

  /** Sends pending edits now; true when nothing is left unsent (or a keepalive save carries them). */
  const saveOnLeave = useCallback((): boolean => {
    const { enabled: on, conflict: blocked, flush: save, workspaceId: ws, pipelineId: id } = latest.current;
    if (!on || current.current === saved.current) return true;
    if (sending.current === current.current) return !failed.current;
    if (blocked || failed.current) {
      // Try once more anyway (the network may be back), but the user has to know.
      if (!blocked) void trackSave(save());
      return false;
    }
    // A save in flight must answer before the next one can name its revision.
    const safe =
      inFlight.current === null &&
      canKeepalive({ workspaceId: ws, pipelineId: id, graph: current.current, baseRevision: revision.current });
    void trackSave(save());
    return safe;
  }, []);

  useEffect(() => {
    // In-app links would unmount the editor; with edits that cannot be saved the user decides first.
    const onLinkClick = (event: MouseEvent) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank" || link.origin !== window.location.origin)
        return;
      if (
        event.defaultPrevented ||
        event.button !== 0 ||
        event.metaKey ||
        event.ctrlKey ||
        event.shiftKey ||
        event.altKey
      )
        return;
      const { enabled: on, conflict: blocked } = latest.current;
      if (!on || current.current === saved.current || !(blocked || failed.current)) return;
      if (window.confirm("Your latest changes are not saved. Leave this pipeline anyway and lose them?")) return;
      event.preventDefault();
      event.stopPropagation();
    };
    const onHide = () => {
      if (document.visibilityState === "hidden") saveOnLeave();
    };
    const onPageHide = () => void saveOnLeave();
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!saveOnLeave()) event.preventDefault();
    };
    document.addEventListener("click", onLinkClick, true);
    document.addEventListener("visibilitychange", onHide);
    window.addEventListener("pagehide", onPageHide);
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => {
      document.removeEventListener("click", onLinkClick, true);
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", onPageHide);
      window.removeEventListener("beforeunload", onBeforeUnload);
      // Unmounting is leaving too: the back arrow, a link, the browser's back button.
      saveOnLeave();
    };
  }, [saveOnLeave]);

  return { state, conflict, lastError, flush, adopt, revision: () => revision.current };
}

/**
 * Query options for the pipeline as the editor opens it: always fetched anew (a cached copy may predate
 * the last save), and only once the saves of an editor just left have landed.
 */
export function useFreshDraftQuery(workspaceId: string, pipelineId: string) {
  const trpc = useTRPC();
  const options = trpc.pipeline.get.queryOptions({ workspaceId, pipelineId });
  const fetchDraft = options.queryFn!;
  return {
    ...options,
    queryFn: async (context: Parameters<typeof fetchDraft>[0]) => {
      await pendingSavesSettled();
      return fetchDraft(context);
    },
    refetchOnMount: "always" as const,
    refetchOnWindowFocus: false,
  };
}
