"use client";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useTRPC, useTRPCClient } from "@/lib/trpc";
import { errorMessage } from "./errors";
import { capitalize, formatRelative, formatTimestamp } from "./format";
import { NeedRole } from "./NeedRole";
import { QueryTable } from "./QueryTable";
import { StatusBadge } from "./RoleBadge";
import { EmptyState, ListSkeleton, SettingsCard } from "./SettingsCard";
import { useWorkspaceAccess } from "./use-workspace-access";

const PAGE_SIZE = 50;
const OUTCOMES = ["success", "denied", "error"] as const;
type Outcome = (typeof OUTCOMES)[number];

const ACTOR_TYPES: Record<string, string> = {
  api_token: "Personal token",
  api_key: "API key",
  system: "Sluice",
  user: "Deleted user",
};

export function AuditLog({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={6} label="Loading audit log" />;
  if (!can("audit:read")) return <NeedRole scope="audit:read" action="view the audit log" role={role} />;
  return <AuditTable workspaceId={workspaceId} />;
}

/** Waits until typing pauses so each keystroke doesn't start a query. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

function AuditTable({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const actionId = useId();
  const outcomeId = useId();
  const [actionText, setActionText] = useState("");
  const [outcome, setOutcome] = useState<Outcome | "">("");
  const action = useDebounced(actionText.trim(), 300);
  const filters = { workspaceId, action: action || undefined, outcome: outcome || undefined };

  // Keyset pagination: each page asks for rows older than the last id seen (ids are bigint).
  const log = useInfiniteQuery({
    queryKey: [...trpc.audit.list.pathKey(), { input: filters, type: "infinite" }],
    queryFn: ({ pageParam, signal }) =>
      client.audit.list.query({ ...filters, before: pageParam, limit: PAGE_SIZE }, { signal }),
    initialPageParam: undefined as bigint | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(action || outcome);

  return (
    <SettingsCard
      title="Audit log"
      description="Every change and every refused attempt in this workspace, newest first. Entries cannot be edited or deleted."
    >
      <form
        className="mb-4 flex flex-wrap items-end gap-3"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="min-w-48 flex-1">
          <label htmlFor={actionId} className="label">
            Action contains
          </label>
          <input
            id={actionId}
            className="input"
            type="search"
            value={actionText}
            onChange={(e) => setActionText(e.target.value)}
            placeholder="e.g. apiKey or member.updateRole"
            maxLength={80}
          />
        </div>
        <div className="w-40">
          <label htmlFor={outcomeId} className="label">
            Outcome
          </label>
          <select
            id={outcomeId}
            className="input"
            value={outcome}
            onChange={(e) => setOutcome(e.target.value as Outcome | "")}
          >
            <option value="">Any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {capitalize(o)}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="btn-ghost"
            onClick={() => {
              setActionText("");
              setOutcome("");
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      <AuditExport workspaceId={workspaceId} action={action || undefined} outcome={outcome || undefined} />

      <QueryTable
        query={log}
        items={rows}
        loading={{ rows: 6, label: "Loading audit log" }}
        testId="audit-table"
        columns={["Time", "Actor", "Action", "Resource", "Outcome", "IP"]}
        edgeLast
        fillCard={false}
        empty={
          <EmptyState
            title={filtered ? "No entries match these filters" : "Nothing recorded yet"}
            testId="no-audit-entries"
          >
            {filtered
              ? "Try a shorter action text or another outcome."
              : "Changes to pipelines, members, keys and secrets show up here."}
          </EmptyState>
        }
        renderRow={(r) => (
          <tr key={r.id.toString()} className="align-top">
            <td className="px-5 py-2.5 whitespace-nowrap">
              <time dateTime={r.createdAt.toISOString()} title={r.createdAt.toISOString()}>
                {formatTimestamp(r.createdAt)}
              </time>
              <div className="text-xs text-slate-500 dark:text-slate-400">{formatRelative(r.createdAt)}</div>
            </td>
            <td className="max-w-48 px-3 py-2.5">
              {r.actor ? (
                <span className="block truncate" title={r.actor.email}>
                  {r.actor.name}
                  {r.actorType === "api_token" && (
                    <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">via token</span>
                  )}
                </span>
              ) : (
                <span className="text-slate-500 dark:text-slate-400">{ACTOR_TYPES[r.actorType] ?? r.actorType}</span>
              )}
            </td>
            <td className="px-3 py-2.5">
              <code className="font-mono text-xs">{r.action}</code>
              <Summary value={r.summary} />
            </td>
            <td className="px-3 py-2.5 text-xs">
              <span className="text-slate-700 dark:text-slate-300">{r.resourceType}</span>
              {r.resourceId && (
                <div className="max-w-40 truncate font-mono text-slate-500 dark:text-slate-400" title={r.resourceId}>
                  {r.resourceId}
                </div>
              )}
            </td>
            <td className="px-3 py-2.5">
              <StatusBadge tone={r.outcome === "success" ? "active" : r.outcome === "denied" ? "warning" : "danger"}>
                {r.outcome}
              </StatusBadge>
            </td>
            <td className="px-5 py-2.5 font-mono text-xs whitespace-nowrap text-slate-500 dark:text-slate-400">
              {r.ip ?? "—"}
            </td>
          </tr>
        )}
        footer={
          <div className="mt-4 flex items-center justify-between text-sm text-slate-500 dark:text-slate-400">
            <span>
              {rows.length} {rows.length === 1 ? "entry" : "entries"}
              {log.hasNextPage ? " shown" : ""}
            </span>
            {log.hasNextPage ? (
              <button
                type="button"
                className="btn-secondary"
                onClick={() => log.fetchNextPage()}
                disabled={log.isFetchingNextPage}
              >
                {log.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            ) : (
              <span>End of the log</span>
            )}
          </div>
        }
      />
    </SettingsCard>
  );
}

/** The before/after details the server recorded, collapsed by default. */
function Summary({ value }: { value: unknown }) {
  if (!value || typeof value !== "object" || Object.keys(value).length === 0) return null;
  return (
    <details className="mt-1 text-xs">
      <summary className="cursor-pointer text-slate-500 select-none hover:text-slate-700 dark:text-slate-400 dark:hover:text-slate-200">
        Details
      </summary>
      <pre className="mt-1 max-w-md overflow-x-auto rounded bg-slate-100 p-2 font-mono whitespace-pre-wrap dark:bg-slate-800">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

/** Saves text as a file through a temporary object URL (same-origin, nothing leaves the browser). */
function saveFile(filename: string, contentType: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type: contentType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads the log as CSV or JSON: the action and outcome filters above plus a time range and an actor. */
function AuditExport({ workspaceId, action, outcome }: { workspaceId: string; action?: string; outcome?: Outcome }) {
  const trpc = useTRPC();
  const fromId = useId();
  const toId = useId();
  const actorId = useId();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [actorEmail, setActorEmail] = useState("");
  const exportLog = useMutation(
    trpc.audit.export.mutationOptions({ onSuccess: (file) => saveFile(file.filename, file.contentType, file.content) }),
  );
  const download = (format: "csv" | "json") =>
    exportLog.mutate({
      workspaceId,
      format,
      ...(from ? { from: new Date(from) } : {}),
      ...(to ? { to: new Date(to) } : {}),
      ...(actorEmail.trim() ? { actorEmail: actorEmail.trim() } : {}),
      ...(action ? { action } : {}),
      ...(outcome ? { outcome } : {}),
    });
  return (
    <details className="mb-4 rounded-md border border-slate-200 px-4 py-3 text-sm dark:border-slate-800">
      <summary className="cursor-pointer font-medium select-none">Export</summary>
      <form
        className="mt-3 flex flex-wrap items-end gap-3"
        aria-label="Export the audit log"
        onSubmit={(e) => e.preventDefault()}
      >
        <div>
          <label htmlFor={fromId} className="label">
            From
          </label>
          <input
            id={fromId}
            className="input"
            type="datetime-local"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={toId} className="label">
            To
          </label>
          <input id={toId} className="input" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="min-w-48 flex-1">
          <label htmlFor={actorId} className="label">
            Actor email
          </label>
          <input
            id={actorId}
            className="input"
            type="email"
            value={actorEmail}
            onChange={(e) => setActorEmail(e.target.value)}
            placeholder="Anyone"
            maxLength={320}
          />
        </div>
        <button type="button" className="btn-secondary" onClick={() => download("csv")} disabled={exportLog.isPending}>
          Download CSV
        </button>
        <button type="button" className="btn-secondary" onClick={() => download("json")} disabled={exportLog.isPending}>
          Download JSON
        </button>
      </form>
      <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
        Uses the action and outcome filters above too. Up to 50,000 entries, newest first.
      </p>
      {exportLog.error && (
        <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">
          {errorMessage(exportLog.error)}
        </p>
      )}
    </details>
  );
}
