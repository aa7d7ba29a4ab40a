import { LAST_ERRORS_MAX, type MetricsSnapshotV1, type NodeMetricsV1 } from "../contract/metrics-snapshot";

/**
 * Merges the latest snapshot of each runner into one view: node rates and totals add up (each
 * runner processes its own partitions), gauges computed from the broker (lag) come from the newest.
 */
export function mergeSnapshots(snapshots: MetricsSnapshotV1[]): MetricsSnapshotV1 | null {
  if (snapshots.length === 0) return null;
  const newest = snapshots.reduce((a, b) => (b.at > a.at ? b : a));
  const nodes: Record<string, NodeMetricsV1> = {};
  for (const s of snapshots) {
    for (const [id, n] of Object.entries(s.nodes)) {
      const acc = nodes[id];
      if (!acc) {
        nodes[id] = { ...n };
        continue;
      }
      for (const k of [
        "inPerSec",
        "outPerSec",
        "errorsPerSec",
        "dlqPerSec",
        "inTotal",
        "outTotal",
        "errorsTotal",
        "dlqTotal",
        "retriesTotal",
        "bytesInPerSec",
      ] as const) {
        acc[k] += n[k];
      }
      // Percentiles don't add; the slowest runner's is the honest upper bound.
      acc.latencyMs = {
        p50: maxOrNull(acc.latencyMs.p50, n.latencyMs.p50),
        p95: maxOrNull(acc.latencyMs.p95, n.latencyMs.p95),
        p99: maxOrNull(acc.latencyMs.p99, n.latencyMs.p99),
      };
      if (n.status === "failing") acc.status = "failing";
      acc.lastError = acc.lastError ?? n.lastError;
      if (n.lastErrors)
        acc.lastErrors = [...(acc.lastErrors ?? []), ...n.lastErrors]
          .sort((a, b) => b.at - a.at)
          .slice(0, LAST_ERRORS_MAX);
    }
  }
  return {
    ...newest,
    runnerId: snapshots
      .map((s) => s.runnerId)
      .sort()
      .join(","),
    nodes,
  };
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
