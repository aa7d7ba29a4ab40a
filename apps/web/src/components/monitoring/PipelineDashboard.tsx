"use client";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { MetricsSnapshotV1 } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { AlertBanner } from "./alerts";
import { AlertRulesPanel } from "./AlertRulesPanel";
import { compact, lagTone, seconds, toneClass } from "./format";
import { TimeSeriesChart, type Series } from "./TimeSeriesChart";

type Range = "15m" | "1h" | "24h";

/** Live numbers per node and edge (SSE), history charts (recharts) and the pipeline's alerts. */
export function PipelineDashboard({ workspaceId, pipelineId }: { workspaceId: string; pipelineId: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<Range>("15m");
  const pipeline = useQuery(trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }));
  const status = useQuery(trpc.deployment.status.queryOptions({ workspaceId, pipelineId }, { refetchInterval: 5000 }));
  const history = useQuery(
    trpc.metrics.history.queryOptions(
      { workspaceId, pipelineId, range },
      { refetchInterval: range === "24h" ? 60_000 : 5_000 },
    ),
  );

  const labelOf = useMemo(() => {
    const nodes = new Map(pipeline.data?.draft.nodes.map((n) => [n.id, n.label ?? n.id]) ?? []);
    return (id: string) => nodes.get(id) ?? id;
  }, [pipeline.data]);

  const points = history.data?.points ?? [];
  const nodeIds = [...new Set(points.flatMap((p) => Object.keys(p.nodes)))];
  const topics = [...new Set(points.flatMap((p) => Object.keys(p.edges)))];
  const sinkIds = [...new Set(points.flatMap((p) => Object.keys(p.sinks)))];
  const flat = (pick: (p: (typeof points)[number]) => Record<string, number | null>) =>
    points.map((p) => ({ t: p.t, ...pick(p) }));

  const throughput = flat((p) => Object.fromEntries(nodeIds.map((id) => [id, p.nodes[id]?.inPerSec ?? null])));
  const errors = flat((p) =>
    Object.fromEntries(
      nodeIds.flatMap((id) => [
        [`${id}:err`, p.nodes[id]?.errorsPerSec ?? null],
        [`${id}:dlq`, p.nodes[id]?.dlqPerSec ?? null],
      ]),
    ),
  );
  const latency = flat((p) =>
    Object.fromEntries(
      nodeIds.flatMap((id) => [
        [`${id}:p50`, p.nodes[id]?.p50 ?? null],
        [`${id}:p99`, p.nodes[id]?.p99 ?? null],
      ]),
    ),
  );
  const lagMsgs = flat((p) => Object.fromEntries(topics.map((t) => [t, p.edges[t]?.lag ?? null])));
  const lagSecs = flat((p) => Object.fromEntries(topics.map((t) => [t, p.edges[t]?.lagSec ?? null])));
  const freshness = flat((p) => Object.fromEntries(sinkIds.map((id) => [id, p.sinks[id] ?? null])));
  const nodeSeries = (suffix?: string): Series[] =>
    nodeIds.map((id) => ({
      key: suffix ? `${id}:${suffix}` : id,
      label: `${labelOf(id)}${suffix ? ` ${suffix}` : ""}`,
    }));

  return (
    <>
      <AlertBanner workspaceId={workspaceId} pipelineId={pipelineId} />
      <div className="mx-auto max-w-7xl p-6">
        <div className="mb-6 flex flex-wrap items-center gap-3">
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">{pipeline.data?.name ?? " "}</h1>
            <p className="text-sm text-slate-500">
              {status.data ? (
                <>
                  Version {status.data.versionNumber} ·{" "}
                  <span data-testid="deployment-status">{status.data.status}</span>
                  {status.data.statusReason ? ` — ${status.data.statusReason}` : ""}
                </>
              ) : (
                "Not deployed"
              )}
            </p>
          </div>
          <div className="ml-auto flex items-center gap-2">
            <Link className="btn-secondary" href={`/w/${workspaceId}/p/${pipelineId}`}>
              Open canvas
            </Link>
            <div
              role="radiogroup"
              aria-label="Time range"
              className="flex rounded-md border border-slate-300 dark:border-slate-700"
            >
              {(["15m", "1h", "24h"] as const).map((r) => (
                <button
                  key={r}
                  role="radio"
                  aria-checked={range === r}
                  onClick={() => setRange(r)}
                  className={`px-3 py-1.5 text-sm ${range === r ? "bg-brand-600 text-white" : "hover:bg-slate-100 dark:hover:bg-slate-800"}`}
                >
                  {r}
                </button>
              ))}
            </div>
          </div>
        </div>

        <LiveSection workspaceId={workspaceId} pipelineId={pipelineId} labelOf={labelOf} />

        <div className="grid gap-4 lg:grid-cols-2">
          <TimeSeriesChart
            testId="chart-throughput"
            title="Throughput (events in per second, per node)"
            data={throughput}
            series={nodeSeries()}
            unit="/s"
          />
          <TimeSeriesChart
            title="Lag per edge (messages)"
            data={lagMsgs}
            series={topics.map((t) => ({ key: t, label: short(t) }))}
          />
          <TimeSeriesChart
            title="Lag per edge (seconds)"
            data={lagSecs}
            series={topics.map((t) => ({ key: t, label: short(t) }))}
            unit="s"
          />
          <TimeSeriesChart
            title="Errors and dead letters per second"
            data={errors}
            series={[...nodeSeries("err"), ...nodeSeries("dlq")]}
            unit="/s"
          />
          <TimeSeriesChart
            title="Batch latency (ms)"
            data={latency}
            series={[...nodeSeries("p50"), ...nodeSeries("p99")]}
            unit="ms"
          />
          <TimeSeriesChart
            title="Sink freshness (seconds)"
            data={freshness}
            series={sinkIds.map((id) => ({ key: id, label: labelOf(id) }))}
            unit="s"
          />
        </div>

        <AlertRulesPanel workspaceId={workspaceId} pipelineId={pipelineId} graph={pipeline.data?.draft} />
      </div>
    </>
  );
}

const short = (topic: string) => topic.split(".").slice(-2).join(".");

/** The live cards, in their own component: the per-second SSE updates re-render this, not the charts. */
function LiveSection({
  workspaceId,
  pipelineId,
  labelOf,
}: {
  workspaceId: string;
  pipelineId: string;
  labelOf: (id: string) => string;
}) {
  const trpc = useTRPC();
  const live = useSubscription(trpc.metrics.live.subscriptionOptions({ workspaceId, pipelineId }));
  const snapshot = live.data as MetricsSnapshotV1 | undefined;
  return (
    <section aria-label="Live" className="mb-6">
      <h2 className="mb-2 flex items-center gap-2 text-sm font-medium text-slate-600 dark:text-slate-400">
        <span
          className={`inline-block h-2 w-2 rounded-full ${snapshot ? "animate-pulse bg-emerald-500" : "bg-slate-400"}`}
          aria-hidden
        />
        {snapshot ? `Live · updated ${new Date(snapshot.at).toLocaleTimeString()}` : "Waiting for the runner…"}
      </h2>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="live-nodes">
        {snapshot &&
          Object.entries(snapshot.nodes).map(([id, n]) => (
            <div key={id} className="card p-3" data-testid={`live-node-${id}`}>
              <div className="flex items-center justify-between">
                <span className="truncate font-medium">{labelOf(id)}</span>
                <span
                  className={`h-2 w-2 rounded-full ${n.status === "failing" ? "bg-red-500" : n.status === "running" ? "bg-emerald-500" : "bg-slate-400"}`}
                  title={n.status}
                />
              </div>
              <dl className="mt-2 grid grid-cols-3 gap-1 text-xs">
                <div>
                  <dt className="text-slate-500">in/s</dt>
                  <dd className="font-mono text-sm" data-testid="rate-in">
                    {compact(n.inPerSec)}
                  </dd>
                </div>
                <div>
                  <dt className="text-slate-500">out/s</dt>
                  <dd className="font-mono text-sm">{compact(n.outPerSec)}</dd>
                </div>
                <div>
                  <dt className="text-slate-500">p99</dt>
                  <dd className="font-mono text-sm">
                    {n.latencyMs.p99 == null ? "–" : `${compact(n.latencyMs.p99)} ms`}
                  </dd>
                </div>
                <div>
                  <dt className="text-slate-500">errors</dt>
                  <dd className="font-mono text-sm">{compact(n.errorsTotal)}</dd>
                </div>
                <div>
                  <dt className="text-slate-500">DLQ</dt>
                  <dd className="font-mono text-sm">{compact(n.dlqTotal)}</dd>
                </div>
                <div>
                  <dt className="text-slate-500">fresh</dt>
                  <dd className="font-mono text-sm">{seconds(n.freshnessSeconds)}</dd>
                </div>
              </dl>
              {n.lastError && (
                <p className="mt-2 truncate text-xs text-red-600" title={n.lastError}>
                  {n.lastError}
                </p>
              )}
            </div>
          ))}
      </div>
      {snapshot && snapshot.edges.length > 0 && (
        <div className="mt-3 flex flex-wrap gap-2" data-testid="live-edges">
          {snapshot.edges.map((e) => (
            <span
              key={e.topic}
              className={`rounded-md border px-2 py-1 font-mono text-xs ${toneClass[lagTone(e.lagSeconds)]}`}
              title={e.topic}
            >
              {short(e.topic)}: {compact(e.producePerSec)}/s · lag {compact(e.lagMessages)} ({seconds(e.lagSeconds)})
            </span>
          ))}
        </div>
      )}
    </section>
  );
}
