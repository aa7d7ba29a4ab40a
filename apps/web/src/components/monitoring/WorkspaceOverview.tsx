"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { edgeHealth, HEALTH_THRESHOLDS } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { deploymentBadge } from "@/components/canvas/deployment-badge";
import { ago, compact, HEALTH_STROKE, perSec, seconds, toneClass } from "./format";

/**
 * Every pipeline of the workspace at a glance: status, events/s in and out, worst lag, error rate,
 * firing alerts and sink freshness. Polls `metrics.overview` every 2 s (the newest per-second
 * figures runners wrote; no live subscription per pipeline while the page is open).
 */
export function WorkspaceOverview({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.metrics.overview.queryOptions({ workspaceId }), refetchInterval: 2_000 });
  const rows = overview.data ?? [];
  const running = rows.filter((r) => r.deployment?.desiredState === "running").length;
  const firing = rows.reduce((n, r) => n + r.firing.length, 0);
  return (
    <div className="mx-auto max-w-7xl p-6">
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Health</h1>
          <p className="text-sm text-slate-500">
            {rows.length} pipelines · {running} running ·{" "}
            <span className={firing > 0 ? "font-medium text-red-600" : ""}>
              {firing} alert{firing === 1 ? "" : "s"} firing
            </span>
          </p>
        </div>
        <p className="ml-auto max-w-md text-right text-xs text-slate-500">
          Lag is amber above {HEALTH_THRESHOLDS.lagSeconds.warn} s or {compact(HEALTH_THRESHOLDS.lagMessages.warn)}{" "}
          messages, red above {HEALTH_THRESHOLDS.lagSeconds.bad} s or {compact(HEALTH_THRESHOLDS.lagMessages.bad)};
          errors red above {HEALTH_THRESHOLDS.errorRatePercent.bad} % of input.
        </p>
      </div>
      <div className="card overflow-x-auto">
        <table className="w-full text-sm" data-testid="health-table">
          <thead className="border-b border-slate-200 text-left text-xs text-slate-500 dark:border-slate-800">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                Pipeline
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Status
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                In
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Out
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Max lag
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Errors
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Freshness
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Alerts
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Updated
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {overview.isLoading && (
              <tr>
                <td colSpan={9} className="px-4 py-6 text-center text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {!overview.isLoading && rows.length === 0 && (
              <tr>
                <td colSpan={9} className="px-4 py-6 text-center text-slate-500">
                  No pipelines yet.
                </td>
              </tr>
            )}
            {rows.map((r) => {
              const badge = deploymentBadge(r.deployment);
              const h = r.health;
              return (
                <tr key={r.id} data-testid={`health-row-${r.id}`} data-health={h?.health ?? "idle"}>
                  <td className="px-4 py-2">
                    <span
                      className="mr-2 inline-block h-2.5 w-2.5 rounded-full align-middle"
                      style={{ background: HEALTH_STROKE[h?.health ?? "idle"] }}
                      aria-label={`Health ${h?.health ?? "no data"}`}
                    />
                    <Link className="font-medium hover:underline" href={`/w/${workspaceId}/monitor/${r.id}`}>
                      {r.name}
                    </Link>
                    <Link className="ml-2 text-xs text-slate-500 hover:underline" href={`/w/${workspaceId}/p/${r.id}`}>
                      canvas
                    </Link>
                  </td>
                  <td className="px-4 py-2">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ${badge.className}`}
                      title={r.deployment?.statusReason ?? undefined}
                    >
                      {badge.label}
                      {r.deployment ? ` v${r.deployment.versionNumber}` : ""}
                    </span>
                  </td>
                  <td className="px-4 py-2 text-right font-mono" data-testid="health-in">
                    {h ? perSec(h.inPerSec) : "–"}
                  </td>
                  <td className="px-4 py-2 text-right font-mono">{h ? perSec(h.outPerSec) : "–"}</td>
                  <td className="px-4 py-2 text-right font-mono">
                    {h ? (
                      <span
                        className={`rounded border px-1.5 ${toneClass[edgeHealth({ lagSeconds: h.maxLagSeconds, lagMessages: h.maxLagMessages })]}`}
                      >
                        {seconds(h.maxLagSeconds)} · {compact(h.maxLagMessages)}
                      </span>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td className={`px-4 py-2 text-right font-mono ${h && h.errorsPerSec > 0 ? "text-red-600" : ""}`}>
                    {h ? `${h.errorRatePercent.toFixed(h.errorRatePercent < 10 ? 1 : 0)} %` : "–"}
                  </td>
                  <td className="px-4 py-2 text-right font-mono">{h ? seconds(h.freshnessSeconds) : "–"}</td>
                  <td className="px-4 py-2">
                    {r.firing.length > 0 ? (
                      <span
                        className={`rounded border px-1.5 py-0.5 text-xs font-medium ${toneClass.bad}`}
                        title={r.firing.map((a) => a.message).join("\n")}
                        data-testid="health-firing"
                      >
                        {r.firing.length} firing
                      </span>
                    ) : (
                      <span className="text-xs text-slate-400">none</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-xs text-slate-500">
                    {h ? ago(h.at) : r.deployment?.desiredState === "running" ? "waiting for runner" : "–"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
