"use client";
import { useMemo, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import type { JsonValue, NodePreview, PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { nodeTitle } from "./graph-model";

const MAX_ROWS = 100;

/** Runs the current (unsaved) graph on generated or pasted events on the server and shows every node's output. */
export function PreviewPanel({
  workspaceId,
  graph,
  selectedNodeId,
  onSelectNode,
}: {
  workspaceId: string;
  graph: PipelineGraph;
  selectedNodeId: string | null;
  onSelectNode: (id: string) => void;
}) {
  const trpc = useTRPC();
  const { toast } = useToast();
  const [count, setCount] = useState(50);
  const [useSample, setUseSample] = useState(false);
  const [sample, setSample] = useState("");
  const [sampleError, setSampleError] = useState<string | null>(null);
  const [tab, setTab] = useState<string>("");
  const preview = useMutation(
    trpc.pipeline.preview.mutationOptions({ onError: (e) => toast(`Preview failed: ${e.message}`, "error") }),
  );
  const results = preview.data?.results;

  function run() {
    let sampleEvents: Record<string, unknown[]> | undefined;
    if (useSample) {
      try {
        const parsed: unknown = JSON.parse(sample);
        const events = Array.isArray(parsed) ? parsed : [parsed];
        // Pasted events feed every source that takes outside input (http-ingest, kafka-source).
        sampleEvents = Object.fromEntries(
          graph.nodes.filter((n) => n.type === "http-ingest" || n.type === "kafka-source").map((n) => [n.id, events]),
        );
        setSampleError(null);
      } catch (e) {
        setSampleError(`Invalid JSON: ${(e as Error).message}`);
        return;
      }
    }
    preview.mutate({ workspaceId, graph, generate: { count }, ...(sampleEvents ? { sampleEvents } : {}) });
  }

  const shownId =
    selectedNodeId && results?.[selectedNodeId] ? selectedNodeId : results ? (Object.keys(results)[0] ?? null) : null;
  const shown = shownId ? results?.[shownId] : undefined;

  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="preview-panel">
      <div className="flex flex-wrap items-end gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
        <div>
          <label
            htmlFor="preview-count"
            className="mb-0.5 block text-xs font-medium text-slate-600 dark:text-slate-400"
          >
            Generated events
          </label>
          <input
            id="preview-count"
            type="number"
            min={1}
            max={1000}
            className="input w-24"
            value={count}
            onChange={(e) => setCount(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
          />
        </div>
        <label className="flex items-center gap-1.5 pb-1.5 text-sm">
          <input type="checkbox" checked={useSample} onChange={(e) => setUseSample(e.target.checked)} /> Paste sample
          events (JSON)
        </label>
        <button
          type="button"
          className="btn-primary"
          onClick={run}
          disabled={preview.isPending || graph.nodes.length === 0}
        >
          {preview.isPending ? "Running…" : "▶ Run preview"}
        </button>
        {results && (
          <span className="pb-1.5 text-xs text-slate-500">
            Ran {Object.values(results).filter((r) => r.status === "ran").length} of {Object.keys(results).length} nodes
          </span>
        )}
      </div>
      {useSample && (
        <div className="border-b border-slate-200 px-4 py-2 dark:border-slate-800">
          <label htmlFor="preview-sample" className="sr-only">
            Sample events JSON
          </label>
          <textarea
            id="preview-sample"
            className="input h-20 font-mono text-xs"
            placeholder='[{"type":"page_view","userId":"u1","timestamp":"2026-01-01T00:00:00Z"}]'
            value={sample}
            onChange={(e) => setSample(e.target.value)}
          />
          {sampleError && <p className="field-error">{sampleError}</p>}
        </div>
      )}
      {!results ? (
        <p className="p-4 text-sm text-slate-500 dark:text-slate-400">
          {preview.isPending
            ? "Running the draft on sample events…"
            : "Run the draft on sample events to see what every node outputs. Nothing is deployed or written."}
        </p>
      ) : (
        <div className="flex min-h-0 flex-1">
          <ul
            className="w-56 shrink-0 overflow-y-auto border-r border-slate-200 text-sm dark:border-slate-800"
            aria-label="Preview by node"
          >
            {graph.nodes
              .filter((n) => results[n.id])
              .map((n) => {
                const r = results[n.id]!;
                const out = Object.values(r.outputs).reduce((s, rows) => s + rows.length, 0) + (r.writes?.length ?? 0);
                return (
                  <li key={n.id}>
                    <button
                      type="button"
                      aria-current={n.id === shownId ? "true" : undefined}
                      onClick={() => {
                        onSelectNode(n.id);
                        setTab("");
                      }}
                      className="flex w-full items-center justify-between gap-2 px-3 py-1.5 text-left hover:bg-slate-50 aria-[current=true]:bg-brand-50 dark:hover:bg-slate-800 dark:aria-[current=true]:bg-brand-950"
                    >
                      <span className="min-w-0">
                        <span className="block truncate">{nodeTitle(n)}</span>
                        {/* Why it did not run, readable without opening the node (its own problem, or the upstream node that stopped it). */}
                        {r.status === "skipped" && r.reason && (
                          <span
                            className="block truncate text-[11px] text-amber-700 dark:text-amber-400"
                            title={r.reason}
                          >
                            {r.reason}
                          </span>
                        )}
                      </span>
                      <span className="shrink-0 font-mono text-[11px] text-slate-500">
                        {r.status === "skipped" ? "skipped" : `${r.inputCount}→${out}`}
                        {r.errors.length > 0 && <span className="ml-1 text-red-600">⚠{r.errors.length}</span>}
                      </span>
                    </button>
                  </li>
                );
              })}
          </ul>
          <div className="min-w-0 flex-1 overflow-auto">
            {shown && shownId && <NodeOutput result={shown} tab={tab} onTab={setTab} />}
          </div>
        </div>
      )}
    </div>
  );
}

function NodeOutput({ result, tab, onTab }: { result: NodePreview; tab: string; onTab: (tab: string) => void }) {
  const tabs = useMemo(() => {
    const list: { id: string; label: string; rows: JsonValue[] }[] = Object.entries(result.outputs).map(
      ([port, rows]) => ({ id: `port:${port}`, label: `${port} (${rows.length})`, rows }),
    );
    if (result.writes) list.push({ id: "writes", label: `Writes (${result.writes.length})`, rows: result.writes });
    if (result.errors.length > 0 || list.length === 0) {
      list.push({
        id: "errors",
        label: `Errors (${result.errors.length})`,
        rows: result.errors.map((f) => ({ reason: f.error.message, code: f.error.code, event: f.event as JsonValue })),
      });
    }
    return list;
  }, [result]);
  if (result.status === "skipped") {
    return <p className="p-4 text-sm text-amber-700 dark:text-amber-400">Skipped: {result.reason}</p>;
  }
  const active = tabs.find((t) => t.id === tab) ?? tabs[0]!;
  return (
    <div>
      <div role="tablist" className="flex gap-1 border-b border-slate-200 px-2 pt-1 dark:border-slate-800">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === active.id}
            onClick={() => onTab(t.id)}
            className={`rounded-t px-3 py-1 text-xs font-medium aria-selected:bg-slate-100 aria-selected:text-slate-900 dark:aria-selected:bg-slate-800 dark:aria-selected:text-slate-100 ${t.id === "errors" ? "text-red-600" : "text-slate-500"}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <RowsTable rows={active.rows} />
    </div>
  );
}

function cell(value: JsonValue | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function RowsTable({ rows }: { rows: JsonValue[] }) {
  if (rows.length === 0) return <p className="p-4 text-sm text-slate-500">No records.</p>;
  const objects = rows
    .slice(0, MAX_ROWS)
    .map((r) => (r && typeof r === "object" && !Array.isArray(r) ? r : { value: r }));
  const columns = [...new Set(objects.flatMap((r) => Object.keys(r)))].slice(0, 12);
  return (
    <div>
      <table className="w-full border-collapse text-left font-mono text-[11px]" data-testid="preview-rows">
        <thead className="sticky top-0 bg-slate-50 dark:bg-slate-900">
          <tr>
            {columns.map((c) => (
              <th
                key={c}
                scope="col"
                className="border-b border-slate-200 px-2 py-1 font-semibold dark:border-slate-800"
              >
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {objects.map((row, i) => (
            <tr key={i} className="odd:bg-white even:bg-slate-50/60 dark:odd:bg-slate-950 dark:even:bg-slate-900/60">
              {columns.map((c) => (
                <td
                  key={c}
                  className="max-w-72 truncate border-b border-slate-100 px-2 py-1 dark:border-slate-800"
                  title={cell(row[c])}
                >
                  {cell(row[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > MAX_ROWS && (
        <p className="p-2 text-xs text-slate-500">
          Showing {MAX_ROWS} of {rows.length}.
        </p>
      )}
    </div>
  );
}
