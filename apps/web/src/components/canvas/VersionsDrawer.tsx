"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { GraphDiff, PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { asGraph } from "./graph-model";
import type { DiffMarks } from "./PipelineCanvas";

/** What the canvas shows instead of the draft: one version read-only, or a diff of two. */
export type CanvasOverlay = {
  title: string;
  graph: PipelineGraph;
  diff?: DiffMarks;
  changes?: GraphDiff;
  versionId?: string;
};

type Ref = string | "draft";

function diffOverlay(to: PipelineGraph, diff: GraphDiff): { graph: PipelineGraph; marks: DiffMarks } {
  const nodes = new Map<string, "added" | "removed" | "changed">();
  const edges = new Map<string, "added" | "removed">();
  for (const n of diff.nodes.added) nodes.set(n.id, "added");
  for (const n of diff.nodes.removed) nodes.set(n.id, "removed");
  for (const c of diff.nodes.changed) nodes.set(c.nodeId, "changed");
  for (const e of diff.edges.added) edges.set(e.id, "added");
  // Removed elements are drawn from the older graph so the change is visible in place.
  const removedEdges = diff.edges.removed.map((e) => ({ ...e, id: `removed:${e.id}` }));
  for (const e of removedEdges) edges.set(e.id, "removed");
  const addedEdgeKeys = new Set(diff.edges.added.map((e) => `${e.source}.${e.sourcePort}>${e.target}.${e.targetPort}`));
  const toEdges = to.edges.map((e) =>
    addedEdgeKeys.has(`${e.source}.${e.sourcePort}>${e.target}.${e.targetPort}`) ? (edges.set(e.id, "added"), e) : e,
  );
  return {
    graph: { nodes: [...to.nodes, ...diff.nodes.removed], edges: [...toEdges, ...removedEdges] },
    marks: { nodes, edges },
  };
}

export function VersionsDrawer({
  workspaceId,
  pipelineId,
  draft,
  canRestore,
  baseRevision,
  onShow,
  onRestored,
  onClose,
}: {
  workspaceId: string;
  pipelineId: string;
  draft: PipelineGraph;
  canRestore: boolean;
  baseRevision: () => number;
  onShow: (overlay: CanvasOverlay | null) => void;
  onRestored: () => void;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const versions = useQuery(trpc.version.list.queryOptions({ workspaceId, pipelineId }));
  const [from, setFrom] = useState<Ref>("");
  const [to, setTo] = useState<Ref>("draft");
  const [busy, setBusy] = useState(false);
  const restore = useMutation(
    trpc.version.restore.mutationOptions({
      onSuccess: () => {
        toast("Version restored as the draft", "success");
        onShow(null);
        onRestored();
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );

  async function graphOf(ref: Ref): Promise<PipelineGraph> {
    if (ref === "draft") return draft;
    const v = await queryClient.fetchQuery(trpc.version.get.queryOptions({ workspaceId, versionId: ref }));
    return asGraph(v.graph);
  }

  async function view(id: string, number: number) {
    setBusy(true);
    try {
      onShow({ title: `Version ${number} (read-only)`, graph: await graphOf(id), versionId: id });
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  }

  async function compare() {
    if (!from || from === to) return;
    setBusy(true);
    try {
      const diff = await queryClient.fetchQuery(
        trpc.version.diff.queryOptions({ workspaceId, pipelineId, fromVersionId: from, toVersionId: to }),
      );
      const overlay = diffOverlay(await graphOf(to), diff);
      const label = (r: Ref) => (r === "draft" ? "draft" : `v${versions.data?.find((v) => v.id === r)?.number ?? "?"}`);
      onShow({
        title: `Changes from ${label(from)} to ${label(to)}`,
        graph: overlay.graph,
        diff: overlay.marks,
        changes: diff,
      });
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside
      aria-label="Versions"
      className="flex w-96 shrink-0 flex-col border-l border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
      data-testid="versions-drawer"
    >
      <div className="flex items-center justify-between border-b border-slate-200 p-4 dark:border-slate-800">
        <h2 className="font-semibold">Versions</h2>
        <button type="button" className="btn-ghost -mr-2 px-2" aria-label="Close versions" onClick={onClose}>
          ✕
        </button>
      </div>
      <div className="space-y-2 border-b border-slate-200 p-4 dark:border-slate-800">
        <p className="text-xs font-medium text-slate-600 dark:text-slate-400">Compare</p>
        <div className="flex items-center gap-2">
          <label className="sr-only" htmlFor="diff-from">
            From version
          </label>
          <select id="diff-from" className="input" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="">From…</option>
            {versions.data?.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.number}
              </option>
            ))}
          </select>
          <span aria-hidden="true">→</span>
          <label className="sr-only" htmlFor="diff-to">
            To version
          </label>
          <select id="diff-to" className="input" value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="draft">Draft</option>
            {versions.data?.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.number}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="btn-secondary w-full"
          disabled={!from || from === to || busy}
          onClick={() => void compare()}
        >
          Show changes on canvas
        </button>
      </div>
      <div className="flex-1 overflow-y-auto">
        {versions.isLoading ? (
          <div className="space-y-2 p-4">
            {[0, 1, 2].map((i) => (
              <div key={i} className="skeleton h-12" />
            ))}
          </div>
        ) : !versions.data?.length ? (
          <p className="p-6 text-center text-sm text-slate-500">
            No versions yet. Publish the draft to create version 1; deploys always run a version.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {versions.data.map((v) => (
              <li key={v.id} className="px-4 py-3" data-testid={`version-${v.number}`}>
                <div className="flex items-baseline justify-between gap-2">
                  <span className="font-semibold">v{v.number}</span>
                  <time className="text-xs text-slate-500" dateTime={new Date(v.createdAt).toISOString()}>
                    {new Date(v.createdAt).toLocaleString()}
                  </time>
                </div>
                <p className="text-sm text-slate-700 dark:text-slate-300">
                  {v.message || <span className="text-slate-400 italic">No message</span>}
                </p>
                <p className="text-xs text-slate-500">by {v.author.name}</p>
                <div className="mt-2 flex gap-2">
                  <button
                    type="button"
                    className="btn-secondary px-2 py-1 text-xs"
                    disabled={busy}
                    onClick={() => void view(v.id, v.number)}
                  >
                    View
                  </button>
                  {canRestore && (
                    <button
                      type="button"
                      className="btn-ghost px-2 py-1 text-xs"
                      disabled={restore.isPending}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Replace the current draft with version ${v.number}? You can undo by restoring again.`,
                          )
                        ) {
                          restore.mutate({ workspaceId, versionId: v.id, baseRevision: baseRevision() });
                        }
                      }}
                    >
                      Restore as draft
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </aside>
  );
}
