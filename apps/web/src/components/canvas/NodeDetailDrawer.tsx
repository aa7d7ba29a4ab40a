"use client";
import Link from "next/link";
import { memo } from "react";
import { outputPortsFor, type PipelineEdge, type PipelineNode } from "@sluice/shared";
import { bytesPerSec, compact, HEALTH_STROKE, perSec, seconds, STATUS_DOT } from "@/components/monitoring/format";
import { TimeSeriesChart } from "@/components/monitoring/TimeSeriesChart";
import { nodeTitle } from "./graph-model";
import { partitionSkew } from "./live-overlay";
import { useLiveEdge, useLiveNode, useLiveSamples, useLiveStore } from "./live-store";

/**
 * A running node in detail: rates, errors, latency percentiles and pool state over the recent samples,
 * lag per partition of its inputs (a hot key shows as one partition taking most events), its last
 * errors, and links to its tap and dead letters.
 */
export function NodeDetailDrawer({
  node,
  inputs,
  onClose,
}: {
  node: PipelineNode;
  inputs: readonly PipelineEdge[];
  onClose: () => void;
}) {
  const live = useLiveNode(node.id);
  const store = useLiveStore();
  const ports = (outputPortsFor(node) ?? []).filter((p) => p.kind !== "dead-letter");
  return (
    <aside
      aria-label={`Live details of ${nodeTitle(node)}`}
      data-testid="node-drawer"
      className="flex w-96 shrink-0 flex-col overflow-y-auto border-l border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-950"
    >
      <div className="flex items-center gap-2 border-b border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900">
        {live && <span className={`h-2.5 w-2.5 rounded-full ${STATUS_DOT[live.status]}`} title={live.status} />}
        <div className="min-w-0">
          <h2 className="truncate font-semibold">{nodeTitle(node)}</h2>
          <p className="font-mono text-[11px] text-slate-500">
            {node.type} · {node.id} · <span data-testid="node-drawer-status">{live?.status ?? "no data"}</span>
          </p>
        </div>
        <button type="button" className="btn-ghost ml-auto px-2" aria-label="Close details" onClick={onClose}>
          ✕
        </button>
      </div>
      <div className="space-y-3 p-3">
        <dl className="grid grid-cols-3 gap-2 text-xs">
          {[
            ["in", perSec(live?.inPerSec)],
            ["out", perSec(live?.outPerSec)],
            ["errors", perSec(live?.errorsPerSec)],
            ["errors total", compact(live?.errorsTotal)],
            ["DLQ total", compact(live?.dlqTotal)],
            ["freshness", seconds(live?.freshnessSeconds)],
            ["retried", compact(live?.retriesTotal)],
            ["read", bytesPerSec(live?.bytesInPerSec)],
          ].map(([label, value]) => (
            <div key={label} className="card p-2">
              <dt className="text-slate-500">{label}</dt>
              <dd className="font-mono text-sm">{value}</dd>
            </div>
          ))}
        </dl>
        {inputs.map((edge) => (
          <InputPartitions key={edge.id} edge={edge} />
        ))}
        <DrawerCharts nodeId={node.id} />
        {live?.pool && (
          <dl className="card grid grid-cols-3 gap-2 p-3 text-xs" aria-label="Pool state">
            {Object.entries(live.pool).map(([k, v]) => (
              <div key={k}>
                <dt className="text-slate-500">{k}</dt>
                <dd className="font-mono">{compact(v)}</dd>
              </div>
            ))}
          </dl>
        )}
        <section className="card p-3">
          <h3 className="mb-1 text-sm font-medium">Last errors</h3>
          {live && live.lastErrors.length > 0 ? (
            <ul className="space-y-1 text-xs" data-testid="node-last-errors">
              {live.lastErrors.map((e, i) => (
                <li
                  key={`${e.at}-${i}`}
                  className="rounded bg-red-50 p-1.5 font-mono break-words text-red-800 dark:bg-red-950 dark:text-red-200"
                >
                  {e.at > 0 && <span className="mr-1 text-slate-500">{new Date(e.at).toLocaleTimeString()}</span>}
                  {e.message}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-xs text-slate-500">No node error reported. Rejected events are in the dead letters.</p>
          )}
        </section>
        {store && (
          <div className="flex flex-wrap gap-2">
            <Link prefetch={false} className="btn-secondary text-xs" href={store.deadLettersHref(node.id)}>
              Dead letters ({compact(live?.dlqTotal ?? 0)})
            </Link>
            {ports.map((p) => (
              <Link
                key={p.name}
                prefetch={false}
                className="btn-secondary text-xs"
                href={store.tapHref(node.id, p.name)}
              >
                Live tap: {p.label}
              </Link>
            ))}
          </div>
        )}
      </div>
    </aside>
  );
}

/** One input edge of the node: its topic's lag per partition and how evenly events spread over them. */
function InputPartitions({ edge }: { edge: PipelineEdge }) {
  const live = useLiveEdge(edge.id);
  if (!live) return null;
  const from = `${edge.source}.${edge.sourcePort}`;
  if (!live.topic) {
    return (
      <section className="card p-3 text-xs text-slate-500" data-testid={`input-fused-${edge.id}`}>
        Input from <span className="font-mono">{from}</span> is fused: it runs in the same worker step, with no topic
        and no partitions.
      </section>
    );
  }
  const skew = partitionSkew(live.hottestShare, live.partitions.length);
  const maxLag = Math.max(1, ...live.partitions.map((p) => p.lagMessages));
  return (
    <section
      className="card p-3"
      aria-label={`Partitions of the input from ${from}`}
      data-testid={`input-partitions-${edge.id}`}
    >
      <h3 className="text-sm font-medium">
        Input from <span className="font-mono text-xs">{from}</span>
      </h3>
      <p className="mb-2 truncate font-mono text-[10px] text-slate-500" title={live.topic}>
        {live.topic}
      </p>
      <p
        data-testid="hot-partition-share"
        data-skewed={skew?.skewed ? "true" : "false"}
        className={`mb-2 text-xs ${skew?.skewed ? "font-medium text-amber-700 dark:text-amber-300" : "text-slate-600 dark:text-slate-400"}`}
      >
        {skew
          ? `Busiest partition: ${Math.round(skew.share * 100)}% of the last second's events (even spread: ${Math.round(skew.even * 100)}%)${skew.skewed ? ": a hot key" : ""}`
          : "No events in the last second."}
      </p>
      <table className="w-full text-xs" data-testid="partition-lag">
        <thead className="text-left text-slate-500">
          <tr>
            <th className="font-normal">partition</th>
            <th className="text-right font-normal">lag</th>
            <th className="text-right font-normal">oldest</th>
            <th className="w-24" aria-hidden="true" />
          </tr>
        </thead>
        <tbody className="font-mono">
          {live.partitions.map((p) => (
            <tr key={p.partition} data-testid="partition-row">
              <td>{p.partition}</td>
              <td className="text-right">{compact(p.lagMessages)}</td>
              <td className="text-right">{seconds(p.lagSeconds)}</td>
              <td className="pl-2">
                <div className="h-1.5 rounded-full bg-slate-200 dark:bg-slate-800" aria-hidden="true">
                  <div
                    className="h-1.5 rounded-full"
                    style={{ width: `${(p.lagMessages / maxLag) * 100}%`, background: HEALTH_STROKE[live.health] }}
                  />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The drawer is w-96 (384 px) with 12 px padding and the card's 8 px: charts get a fixed width. */
const DRAWER_CHART_WIDTH = 340;

const RATES = [
  { key: "in", label: "in" },
  { key: "out", label: "out" },
  { key: "err", label: "errors" },
];
const LATENCY = [
  { key: "p50", label: "p50" },
  { key: "p95", label: "p95" },
  { key: "p99", label: "p99" },
];
const POOL = [
  { key: "waiting", label: "waiting" },
  { key: "active", label: "active" },
];

/** The drawer's charts redraw only when the store refreshes its chart view, not with every snapshot. */
const DrawerCharts = memo(function DrawerCharts({ nodeId }: { nodeId: string }) {
  const samples = useLiveSamples(nodeId) ?? [];
  const data = samples as unknown as Record<string, number | null>[];
  return (
    <>
      <TimeSeriesChart
        testId="drawer-chart-rates"
        title="Events per second"
        data={data}
        series={RATES}
        unit="/s"
        fixedWidth={DRAWER_CHART_WIDTH}
      />
      <TimeSeriesChart
        testId="drawer-chart-latency"
        title="Batch latency (ms)"
        data={data}
        series={LATENCY}
        unit="ms"
        fixedWidth={DRAWER_CHART_WIDTH}
      />
      <TimeSeriesChart
        testId="drawer-chart-pool"
        title="Worker pool (batches)"
        data={data}
        series={POOL}
        fixedWidth={DRAWER_CHART_WIDTH}
      />
    </>
  );
});
