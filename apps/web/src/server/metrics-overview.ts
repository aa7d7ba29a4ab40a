import "server-only";
import {
  decodeMessage,
  getNodeDescriptor,
  HistoryEntryV1,
  historyStreamKey,
  PipelineGraph,
  summarizePipeline,
  type NodeRates,
  type PipelineSummary,
} from "@sluice/shared";
import { redis } from "./redis";

/** Entries older than this mean no runner reports the pipeline any more. */
const STALE_MS = 5_000;
/** Newest 1 s entries read per pipeline: enough to find each runner's latest one. */
const SCAN = 12;

export type PipelineHealth = PipelineSummary & { at: number };

/**
 * The workspace overview reads the newest 1 s history entry of each runner per pipeline (one
 * XREVRANGE per pipeline, pipelined) rather than holding live subscriptions: a page that lists every
 * pipeline should cost nothing while nobody looks, and a 1-2 s old figure is what a glance needs.
 * Entry counts cover one second, so they read as rates.
 */
export async function latestHealth(
  pipelines: { id: string; graph: unknown }[],
  now = Date.now(),
): Promise<Map<string, PipelineHealth>> {
  const result = new Map<string, PipelineHealth>();
  if (pipelines.length === 0) return result;
  const pipe = redis().pipeline();
  for (const p of pipelines) pipe.xrevrange(historyStreamKey(p.id, "1s"), "+", String(now - STALE_MS), "COUNT", SCAN);
  const replies = (await pipe.exec()) ?? [];
  pipelines.forEach((p, i) => {
    const raw = (replies[i]?.[1] ?? []) as [string, string[]][];
    const newest = new Map<string, HistoryEntryV1>();
    for (const [, fields] of raw) {
      const at = fields.indexOf("d");
      if (at < 0) continue;
      const entry = decodeMessage(HistoryEntryV1, fields[at + 1] ?? "");
      if (entry && !newest.has(entry.runnerId)) newest.set(entry.runnerId, entry);
    }
    if (newest.size === 0) return;
    const health = summarizeEntries([...newest.values()], p.graph);
    result.set(p.id, health);
  });
  return result;
}

/** Sums the runners' newest entries (counts add up, lags and freshness take the worst) and summarizes. */
function summarizeEntries(entries: HistoryEntryV1[], graph: unknown): PipelineHealth {
  const nodes: Record<string, NodeRates> = {};
  const lags = new Map<string, { lagSeconds: number | null; lagMessages: number }>();
  for (const e of entries) {
    for (const [id, n] of Object.entries(e.nodes)) {
      const acc = (nodes[id] ??= { inPerSec: 0, outPerSec: 0, errorsPerSec: 0, freshnessSeconds: null });
      acc.inPerSec += n.in;
      acc.outPerSec += n.out;
      acc.errorsPerSec += n.err;
    }
    for (const [id, fresh] of Object.entries(e.sinks)) {
      const acc = (nodes[id] ??= { inPerSec: 0, outPerSec: 0, errorsPerSec: 0, freshnessSeconds: null });
      if (fresh != null) acc.freshnessSeconds = Math.max(acc.freshnessSeconds ?? 0, fresh);
    }
    for (const [topic, g] of Object.entries(e.edges)) {
      const acc = lags.get(topic) ?? { lagSeconds: null, lagMessages: 0 };
      acc.lagMessages = Math.max(acc.lagMessages, g.lag);
      if (g.lagSec != null) acc.lagSeconds = Math.max(acc.lagSeconds ?? 0, g.lagSec);
      lags.set(topic, acc);
    }
  }
  const parsed = PipelineGraph.safeParse(graph);
  const types = new Map(
    parsed.success ? parsed.data.nodes.map((n) => [n.id, getNodeDescriptor(n.type, n.typeVersion)?.category]) : [],
  );
  return {
    ...summarizePipeline(nodes, [...lags.values()], (id) => types.get(id)),
    at: Math.max(...entries.map((e) => e.at)),
  };
}
