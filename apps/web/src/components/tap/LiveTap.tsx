"use client";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "@/lib/trpc";
import { JsonView } from "./JsonView";

/** How many sampled events the list keeps (newest first). */
const KEEP = 200;

type Row = { seq: number; at: number; event: unknown };

/** Live sample of the events on one edge of a running pipeline (server-sampled, rate-limited, PII-masked per role). */
export function LiveTap({ workspaceId, pipelineId }: { workspaceId: string; pipelineId: string }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const edges = useQuery(trpc.tap.edges.queryOptions({ workspaceId, pipelineId }));
  const list = edges.data?.edges ?? [];
  const nodeParam = params.get("node");
  const portParam = params.get("port") ?? "out";
  const selected =
    list.find((e) => e.nodeId === nodeParam && e.port === portParam) ??
    (nodeParam ? { nodeId: nodeParam, port: portParam, id: "", label: `${nodeParam}.${portParam}` } : list[0]);
  const [paused, setPaused] = useState(false);
  const [rows, setRows] = useState<Row[]>([]);
  const seq = useRef(0);
  const key = selected ? `${selected.nodeId}:${selected.port}` : "";

  useEffect(() => {
    setRows([]);
  }, [key]);

  const live = useSubscription(
    trpc.tap.live.subscriptionOptions(
      { workspaceId, pipelineId, nodeId: selected?.nodeId ?? "", port: selected?.port ?? "out" },
      {
        enabled: Boolean(selected) && !paused,
        onData: (batch) => {
          const fresh = batch.map((e) => ({ seq: ++seq.current, at: e.at, event: e.event })).reverse();
          setRows((prev) => [...fresh, ...prev].slice(0, KEEP));
        },
      },
    ),
  );

  const choose = (value: string) => {
    const edge = list.find((e) => e.id === value);
    if (!edge) return;
    const next = new URLSearchParams(params.toString());
    next.set("node", edge.nodeId);
    next.set("port", edge.port);
    // Native history: Next syncs useSearchParams with it, without a server round trip.
    window.history.replaceState(null, "", `${pathname}?${next.toString()}`);
  };

  const deployment = edges.data?.deployment;
  const running = deployment?.desiredState === "running";
  return (
    <div className="mx-auto max-w-6xl p-6">
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Live tap</h1>
          <p className="text-sm text-slate-500">
            A sample of the events on one edge, newest first: at most 20 per second, the last {KEEP} kept.{" "}
            {edges.data && (edges.data.raw ? "You see raw values." : "Personal data fields are masked for your role.")}
          </p>
        </div>
        <div className="ml-auto flex items-center gap-2">
          <Link className="btn-secondary" href={`/w/${workspaceId}/monitor/${pipelineId}`}>
            Dashboard
          </Link>
          <Link className="btn-secondary" href={`/w/${workspaceId}/monitor/${pipelineId}/dead-letters`}>
            Dead letters
          </Link>
        </div>
      </div>

      <div className="card mb-4 flex flex-wrap items-end gap-3 p-3">
        <label className="flex flex-col gap-1 text-sm">
          <span className="label">Edge</span>
          <select
            className="input min-w-72"
            aria-label="Edge"
            value={list.find((e) => e.nodeId === selected?.nodeId && e.port === selected?.port)?.id ?? ""}
            onChange={(e) => choose(e.target.value)}
            data-testid="tap-edge"
          >
            {list.length === 0 && <option value="">No edges</option>}
            {list.map((e) => (
              <option key={e.id} value={e.id}>
                {e.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className={paused ? "btn-primary" : "btn-secondary"}
          onClick={() => setPaused(!paused)}
          data-testid="tap-pause"
        >
          {paused ? "Resume" : "Pause"}
        </button>
        <button type="button" className="btn-ghost" onClick={() => setRows([])}>
          Clear
        </button>
        <span className="ml-auto flex items-center gap-2 text-sm text-slate-500" data-testid="tap-status">
          <span
            className={`inline-block h-2 w-2 rounded-full ${paused ? "bg-amber-500" : live.status === "pending" ? "animate-pulse bg-emerald-500" : live.status === "error" ? "bg-red-500" : "bg-slate-400"}`}
            aria-hidden
          />
          {paused
            ? "Paused"
            : live.status === "error"
              ? `Error: ${live.error?.message ?? "stream failed"}`
              : live.status === "pending"
                ? "Live"
                : "Connecting…"}
          {" · "}
          <span data-testid="tap-count">{rows.length}</span> events
        </span>
      </div>

      {edges.data && !deployment && (
        <p className="mb-3 text-sm text-amber-600">This pipeline is not deployed: there is nothing to tap.</p>
      )}
      {deployment && !running && (
        <p className="mb-3 text-sm text-amber-600">This pipeline is not running: no events flow.</p>
      )}

      <ol className="space-y-2" data-testid="tap-events">
        {rows.map((r) => (
          <li key={r.seq} className="card p-2" data-testid="tap-event">
            <div className="mb-1 text-xs text-slate-500">{new Date(r.at).toLocaleTimeString()}</div>
            <JsonView value={r.event} />
          </li>
        ))}
      </ol>
      {rows.length === 0 && !paused && selected && (
        <p className="text-sm text-slate-500">Waiting for events on {selected.label}…</p>
      )}
    </div>
  );
}
