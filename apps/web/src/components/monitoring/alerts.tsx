"use client";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "@/lib/trpc";

/** Alerts firing now in the workspace; the bell's live feed keeps this query fresh for every view. */
function useFiringAlerts(workspaceId: string, pipelineId?: string) {
  const trpc = useTRPC();
  const firing = useQuery({ ...trpc.alert.firing.queryOptions({ workspaceId }), refetchInterval: 30_000 });
  const all = firing.data ?? [];
  return pipelineId ? all.filter((a) => a.pipelineId === pipelineId) : all;
}

/** Listens to `alert.live` and refreshes the firing list and alert histories on every transition. */
function AlertLiveFeed({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useSubscription(
    trpc.alert.live.subscriptionOptions(
      { workspaceId },
      {
        onData: () => {
          void queryClient.invalidateQueries({ queryKey: trpc.alert.firing.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.alert.events.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.metrics.overview.pathKey() });
        },
      },
    ),
  );
  return null;
}

/** The app-wide bell: how many alerts fire in this workspace, and which. */
export function AlertBell({ workspaceId }: { workspaceId: string }) {
  const firing = useFiringAlerts(workspaceId);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  return (
    <div className="relative" ref={ref}>
      <AlertLiveFeed workspaceId={workspaceId} />
      <button
        type="button"
        className="btn-ghost relative px-2"
        aria-label={`Alerts: ${firing.length} firing`}
        aria-expanded={open}
        data-testid="alert-bell"
        onClick={() => setOpen((o) => !o)}
      >
        <svg
          viewBox="0 0 24 24"
          className="h-5 w-5"
          fill="none"
          stroke="currentColor"
          strokeWidth={1.8}
          aria-hidden="true"
        >
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {firing.length > 0 && (
          <span
            data-testid="alert-bell-count"
            className="absolute -top-0.5 -right-0.5 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] leading-4 font-bold text-white"
          >
            {firing.length}
          </span>
        )}
      </button>
      {open && (
        <div
          role="dialog"
          aria-label="Firing alerts"
          className="absolute right-0 z-50 mt-2 w-80 rounded-lg border border-slate-200 bg-white p-2 text-sm shadow-xl dark:border-slate-700 dark:bg-slate-900"
        >
          {firing.length === 0 ? (
            <p className="p-2 text-slate-500">No alert is firing.</p>
          ) : (
            <ul
              className="max-h-80 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800"
              data-testid="alert-bell-list"
            >
              {firing.map((a) => (
                <li key={a.ruleId} className="p-2">
                  <Link
                    href={`/w/${workspaceId}/monitor/${a.pipelineId}`}
                    className="font-medium hover:underline"
                    onClick={() => setOpen(false)}
                  >
                    {a.pipelineName}: {a.name}
                  </Link>
                  <p className="text-xs text-slate-500">{a.message}</p>
                  <p className="text-[11px] text-slate-400">since {a.since.toLocaleTimeString()}</p>
                </li>
              ))}
            </ul>
          )}
          <Link
            href={`/w/${workspaceId}/monitor`}
            className="mt-1 block rounded p-2 text-center text-xs text-brand-600 hover:bg-slate-50 dark:hover:bg-slate-800"
            onClick={() => setOpen(false)}
          >
            Workspace health overview
          </Link>
        </div>
      )}
    </div>
  );
}

/** Shown on a pipeline's editor and dashboard while any of its alerts fires. */
export function AlertBanner({ workspaceId, pipelineId }: { workspaceId: string; pipelineId: string }) {
  const firing = useFiringAlerts(workspaceId, pipelineId);
  if (firing.length === 0) return null;
  return (
    <div
      role="alert"
      data-testid="alert-banner"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
    >
      <strong>
        {firing.length} alert{firing.length === 1 ? "" : "s"} firing
      </strong>
      {firing.map((a) => (
        <span key={a.ruleId} title={`since ${a.since.toLocaleString()}`}>
          {a.message}
        </span>
      ))}
    </div>
  );
}
