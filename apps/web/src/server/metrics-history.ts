import "server-only";
import { z } from "zod";
import { redis } from "./redis";
import { decodeMessage, HistoryEntryV1, historyStreamKey } from "@sluice/shared";

// Metric history written by runners: one Redis stream per pipeline and resolution, each entry one
// runner's counts for one interval (HistoryEntryV1). Counts from several runners add up; gauges
// (lag, latency, freshness) take the maximum, the honest worst case.

export const HistoryRange = z.enum(["15m", "1h", "24h"]);
export type HistoryRange = z.infer<typeof HistoryRange>;

const RANGES: Record<HistoryRange, { spanMs: number; stream: "1s" | "10s"; intervalMs: number; bucketMs: number }> = {
  "15m": { spanMs: 15 * 60_000, stream: "1s", intervalMs: 1_000, bucketMs: 5_000 },
  "1h": { spanMs: 60 * 60_000, stream: "1s", intervalMs: 1_000, bucketMs: 15_000 },
  "24h": { spanMs: 24 * 60 * 60_000, stream: "10s", intervalMs: 10_000, bucketMs: 300_000 },
};

export type HistoryPoint = {
  t: number;
  /** Per node: events per second over the bucket, and the worst batch latency seen. */
  nodes: Record<
    string,
    {
      inPerSec: number;
      outPerSec: number;
      errorsPerSec: number;
      dlqPerSec: number;
      p50: number | null;
      p99: number | null;
    }
  >;
  edges: Record<string, { lag: number; lagSec: number | null }>;
  sinks: Record<string, number | null>;
};

const max = (a: number | null | undefined, b: number | null | undefined) =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b);

/** Buckets the raw entries of a time range into at most a few hundred points for charts. */
export function bucketHistory(entries: HistoryEntryV1[], range: HistoryRange, now: number): HistoryPoint[] {
  const { spanMs, bucketMs } = RANGES[range];
  const start = Math.floor((now - spanMs) / bucketMs) * bucketMs;
  const buckets = new Map<number, HistoryPoint & { seconds: Set<number> }>();
  for (const e of entries) {
    if (e.at < start) continue;
    const t = Math.floor(e.at / bucketMs) * bucketMs;
    let b = buckets.get(t);
    if (!b) {
      b = { t, nodes: {}, edges: {}, sinks: {}, seconds: new Set() };
      buckets.set(t, b);
    }
    b.seconds.add(Math.floor(e.at / RANGES[range].intervalMs));
    for (const [id, n] of Object.entries(e.nodes)) {
      const acc = (b.nodes[id] ??= { inPerSec: 0, outPerSec: 0, errorsPerSec: 0, dlqPerSec: 0, p50: null, p99: null });
      acc.inPerSec += n.in;
      acc.outPerSec += n.out;
      acc.errorsPerSec += n.err;
      acc.dlqPerSec += n.dlq;
      acc.p50 = max(acc.p50, n.p50);
      acc.p99 = max(acc.p99, n.p99);
    }
    for (const [topic, g] of Object.entries(e.edges)) {
      const acc = (b.edges[topic] ??= { lag: 0, lagSec: null });
      acc.lag = Math.max(acc.lag, g.lag);
      acc.lagSec = max(acc.lagSec, g.lagSec);
    }
    for (const [id, fresh] of Object.entries(e.sinks)) b.sinks[id] = max(b.sinks[id], fresh);
  }
  // Counts become rates over the time the bucket actually covers (partial buckets at the edges).
  return [...buckets.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ seconds, ...p }) => {
      const coveredSec = Math.max(1, seconds.size) * (RANGES[range].intervalMs / 1000);
      for (const n of Object.values(p.nodes)) {
        n.inPerSec /= coveredSec;
        n.outPerSec /= coveredSec;
        n.errorsPerSec /= coveredSec;
        n.dlqPerSec /= coveredSec;
      }
      return p;
    });
}

export async function readHistory(pipelineId: string, range: HistoryRange, now = Date.now()): Promise<HistoryPoint[]> {
  const { spanMs, stream } = RANGES[range];
  const raw = (await redis().xrange(historyStreamKey(pipelineId, stream), String(now - spanMs), "+")) as [
    string,
    string[],
  ][];
  const entries: HistoryEntryV1[] = [];
  for (const [, fields] of raw) {
    const i = fields.indexOf("d");
    // A malformed entry is skipped, not fatal to the chart.
    const entry = i < 0 ? null : decodeMessage(HistoryEntryV1, fields[i + 1] ?? "");
    if (entry) entries.push(entry);
  }
  return bucketHistory(entries, range, now);
}
