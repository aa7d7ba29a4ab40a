"use client";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { errorMessage } from "@/components/settings/errors";
import { useWorkspaceAccess } from "@/components/settings/use-workspace-access";
import { JsonView } from "@/components/tap/JsonView";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";

const PAGE = 50;

/** Dead letters of a pipeline grouped by node and error, with replay (after a fix) and discard. */
/** "All" acts on up to 10,000 retained dead letters per partition per click (server: ALL_PER_PARTITION). */
const MORE_LEFT = "More are retained than one pass handles: run it again for the rest.";

export function DeadLetterInbox({ workspaceId, pipelineId }: { workspaceId: string; pipelineId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const { can } = useWorkspaceAccess(workspaceId);
  const pathname = usePathname();
  const params = useSearchParams();
  const nodeId = params.get("node") ?? undefined;
  const [showHandled, setShowHandled] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<null | { action: "replay" | "discard"; ids?: string[] }>(null);

  const input = { workspaceId, pipelineId, showHandled, limit, ...(nodeId ? { nodeId } : {}) };
  const list = useQuery(trpc.dlq.list.queryOptions(input, { refetchInterval: 5000 }));
  const refresh = () => qc.invalidateQueries(trpc.dlq.list.queryFilter());
  const done = (verb: string, count: number, extra?: string | null) => {
    toast(
      `${count} dead letter${count === 1 ? "" : "s"} ${verb}.${extra ? ` ${extra}` : ""}`,
      count > 0 ? "success" : "info",
    );
    setPicked(new Set());
    setConfirm(null);
    void refresh();
  };
  const replay = useMutation(
    trpc.dlq.replay.mutationOptions({
      onSuccess: (r) => {
        done(
          "replayed",
          r.replayed.length,
          [
            r.warning,
            r.failed.length > 0 ? `${r.failed.length} could not be replayed: ${r.failed[0]!.reason}` : null,
            r.more ? MORE_LEFT : null,
          ]
            .filter(Boolean)
            .join(" "),
        );
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );
  const discard = useMutation(
    trpc.dlq.discard.mutationOptions({
      onSuccess: (r) => done("discarded", r.discarded.length, r.more ? MORE_LEFT : null),
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  const setNode = (value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set("node", value);
    else next.delete("node");
    setPicked(new Set());
    window.history.replaceState(null, "", `${pathname}?${next.toString()}`);
  };
  const toggle = (id: string) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const data = list.data;
  const items = data?.items ?? [];
  const running = data?.deployment?.desiredState === "running";
  const busy = replay.isPending || discard.isPending;
  const run = () => {
    if (!confirm) return;
    const selection = confirm.ids ? { ids: confirm.ids } : { all: nodeId ? { nodeId } : {} };
    if (confirm.action === "replay") replay.mutate({ workspaceId, pipelineId, ...selection });
    else discard.mutate({ workspaceId, pipelineId, ...selection });
  };
  const labelOf = (id: string) => data?.nodes.find((n) => n.nodeId === id)?.label ?? id;

  return (
    <div className="mx-auto max-w-6xl p-6">
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Dead letters</h1>
          <p className="text-sm text-slate-500">
            Events a node rejected or could not write, newest first. Fix the cause (deploy a new version), then replay
            them into the node&apos;s input. {data && !data.raw && "Personal data fields are masked for your role."}
          </p>
        </div>
        <div className="ml-auto flex items-center gap-2">
          <Link className="btn-secondary" href={`/w/${workspaceId}/monitor/${pipelineId}`}>
            Dashboard
          </Link>
          <Link className="btn-secondary" href={`/w/${workspaceId}/monitor/${pipelineId}/tap`}>
            Live tap
          </Link>
        </div>
      </div>

      {data && !data.deployment && (
        <p className="mb-3 text-sm text-amber-600">This pipeline has never been deployed.</p>
      )}
      {data?.deployment && !running && (
        <p className="mb-3 text-sm text-amber-600" data-testid="dlq-stopped-warning">
          The pipeline is not running: replayed events will wait in its topic until it is deployed again.
        </p>
      )}

      <div className="mb-4 grid gap-3 md:grid-cols-[16rem_minmax(0,1fr)]">
        <aside className="card p-3">
          <h2 className="mb-2 text-sm font-medium">Nodes</h2>
          <ul className="space-y-1 text-sm">
            <li>
              <button
                type="button"
                className={`w-full rounded px-2 py-1 text-left ${!nodeId ? "bg-slate-100 dark:bg-slate-800" : ""}`}
                onClick={() => setNode("")}
              >
                All nodes
              </button>
            </li>
            {data?.nodes.map((n) => (
              <li key={n.nodeId}>
                <button
                  type="button"
                  className={`flex w-full justify-between rounded px-2 py-1 text-left ${nodeId === n.nodeId ? "bg-slate-100 dark:bg-slate-800" : ""}`}
                  onClick={() => setNode(n.nodeId)}
                >
                  <span className="truncate">{n.label}</span>
                  <span className="font-mono text-xs text-slate-500" title="Retained in the dead-letter topic">
                    {n.total}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <h2 className="mb-2 mt-4 text-sm font-medium">Errors</h2>
          <ul className="space-y-1 text-xs" data-testid="dlq-groups">
            {data?.groups.length === 0 && <li className="text-slate-500">None</li>}
            {data?.groups.map((g) => (
              <li
                key={`${g.nodeId}:${g.code}`}
                className="rounded border border-slate-200 p-2 dark:border-slate-700"
                data-testid="dlq-group"
              >
                <div className="flex justify-between gap-2">
                  <span className="truncate font-medium">{labelOf(g.nodeId)}</span>
                  <span className="font-mono" data-testid="dlq-group-count">
                    {g.count}
                  </span>
                </div>
                <div className="font-mono text-slate-600 dark:text-slate-400">{g.code}</div>
                <div className="truncate text-slate-500" title={g.sample}>
                  {g.sample}
                </div>
              </li>
            ))}
          </ul>
        </aside>

        <section className="min-w-0">
          <div className="card mb-3 flex flex-wrap items-center gap-2 p-2">
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={items.length > 0 && items.every((i) => picked.has(i.id) || i.handled)}
                onChange={(e) =>
                  setPicked(new Set(e.target.checked ? items.filter((i) => !i.handled).map((i) => i.id) : []))
                }
                aria-label="Select all on this page"
              />
              {picked.size > 0 ? `${picked.size} selected` : "Select"}
            </label>
            <button
              type="button"
              className="btn-primary"
              disabled={!can("dlq:replay") || picked.size === 0 || busy}
              onClick={() => setConfirm({ action: "replay", ids: [...picked] })}
              data-testid="dlq-replay-selected"
            >
              Replay selected
            </button>
            <button
              type="button"
              className="btn-secondary"
              disabled={!can("dlq:replay") || items.length === 0 || busy}
              onClick={() => setConfirm({ action: "replay" })}
            >
              Replay all{nodeId ? ` of ${labelOf(nodeId)}` : ""}
            </button>
            <button
              type="button"
              className="btn-danger"
              disabled={!can("dlq:discard") || picked.size === 0 || busy}
              onClick={() => setConfirm({ action: "discard", ids: [...picked] })}
            >
              Discard selected
            </button>
            <button
              type="button"
              className="btn-ghost"
              disabled={!can("dlq:discard") || items.length === 0 || busy}
              onClick={() => setConfirm({ action: "discard" })}
            >
              Discard all
            </button>
            <label className="ml-auto flex items-center gap-2 text-sm">
              <input type="checkbox" checked={showHandled} onChange={(e) => setShowHandled(e.target.checked)} />
              Show replayed and discarded
            </label>
          </div>
          {!can("dlq:replay") && (
            <p className="mb-2 text-xs text-slate-500">
              Your role can read dead letters; replaying and discarding need an admin.
            </p>
          )}
          {list.isLoading && <div className="skeleton h-24" />}
          {list.error && <p className="text-sm text-red-600">{errorMessage(list.error)}</p>}
          {data && items.length === 0 && (
            <p className="text-sm text-slate-500" data-testid="dlq-empty">
              No dead letters{showHandled ? "" : " waiting"}.
            </p>
          )}
          <ul className="space-y-2" data-testid="dlq-items">
            {items.map((i) => (
              <li key={i.id} className={`card p-3 ${i.handled ? "opacity-60" : ""}`} data-testid="dlq-item">
                <div className="mb-2 flex flex-wrap items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    disabled={Boolean(i.handled)}
                    checked={picked.has(i.id)}
                    onChange={() => toggle(i.id)}
                    aria-label={`Select dead letter ${i.offset}`}
                  />
                  <span className="font-medium">{labelOf(i.nodeId)}</span>
                  <span className="rounded bg-red-50 px-1.5 py-0.5 font-mono text-xs text-red-700 dark:bg-red-950 dark:text-red-300">
                    {i.code}
                  </span>
                  {i.handled && (
                    <span
                      className="rounded bg-slate-200 px-1.5 py-0.5 text-xs dark:bg-slate-700"
                      data-testid="dlq-handled"
                    >
                      {i.handled.action}
                    </span>
                  )}
                  <span className="ml-auto text-xs text-slate-500">{new Date(i.time).toLocaleString()}</span>
                </div>
                <p className="mb-2 text-sm text-slate-700 dark:text-slate-300" data-testid="dlq-reason">
                  {i.message || "(no message)"}
                </p>
                <dl className="mb-2 flex flex-wrap gap-x-4 text-xs text-slate-500">
                  <div>
                    <dt className="inline">Source </dt>
                    <dd className="inline font-mono">
                      {i.source
                        ? `${i.source.topic.split(".").slice(-2).join(".")} p${i.source.partition ?? "?"} @${i.source.offset ?? "?"}`
                        : "ingest request"}
                    </dd>
                  </div>
                  <div>
                    <dt className="inline">DLQ </dt>
                    <dd className="inline font-mono">
                      p{i.partition} @{i.offset}
                    </dd>
                  </div>
                  {i.attempt !== null && (
                    <div>
                      <dt className="inline">Attempt </dt>
                      <dd className="inline font-mono">{i.attempt}</dd>
                    </div>
                  )}
                </dl>
                <JsonView value={i.payload} />
              </li>
            ))}
          </ul>
          {data?.nextCursor != null && (
            <button type="button" className="btn-secondary mt-3" onClick={() => setLimit(limit + PAGE)}>
              Show more
            </button>
          )}
        </section>
      </div>

      {confirm && (
        <ConfirmDialog
          title={confirm.action === "replay" ? "Replay dead letters" : "Discard dead letters"}
          confirmLabel={confirm.action === "replay" ? "Replay" : "Discard"}
          tone={confirm.action === "replay" ? "primary" : "danger"}
          pending={busy}
          onConfirm={run}
          onCancel={() => setConfirm(null)}
        >
          <p className="text-sm">
            {confirm.ids
              ? `${confirm.ids.length} selected dead letter${confirm.ids.length === 1 ? "" : "s"}`
              : `Every waiting dead letter${nodeId ? ` of ${labelOf(nodeId)}` : ""} (the newest ones read)`}{" "}
            {confirm.action === "replay"
              ? "will be sent back into the failed node's input, once each. Deploy the fix first."
              : "will be hidden from the inbox. This is recorded in the audit log."}
          </p>
          {confirm.action === "replay" && !running && (
            <p className="mt-2 text-sm text-amber-600">The pipeline is not running: they will wait in its topic.</p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
