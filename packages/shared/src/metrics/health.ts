// Health colouring shared by the canvas overlay, the dashboards and the workspace overview, so one
// pipeline never shows green in one view and amber in another.
//
// Thresholds (NiFi-style back-pressure signal on every connection):
//  - edge lag seconds (age of the oldest unprocessed event): ok up to 5 s, warn up to 60 s, bad above;
//  - edge lag messages: warn above 10k, bad above 100k (the runner's default ingest 429 threshold,
//    RUNNER_INGEST_LAG_THRESHOLD, where clients start being pushed back);
//  - an edge takes the worse of both; a fused edge (no topic) has no lag and is always ok;
//  - a node is bad when failing or when more than 5 % of its input fails, warn with any error or
//    while starting, idle when stopped.

export type Health = "ok" | "warn" | "bad" | "idle";

export const HEALTH_THRESHOLDS = {
  lagSeconds: { warn: 5, bad: 60 },
  lagMessages: { warn: 10_000, bad: 100_000 },
  errorRatePercent: { bad: 5 },
} as const;

const RANK: Record<Health, number> = { idle: 0, ok: 1, warn: 2, bad: 3 };

export function worstHealth(...values: Health[]): Health {
  return values.reduce<Health>((a, b) => (RANK[b] > RANK[a] ? b : a), "idle");
}

export function lagSecondsHealth(lagSeconds: number | null | undefined): Health {
  if (lagSeconds == null) return "ok";
  if (lagSeconds > HEALTH_THRESHOLDS.lagSeconds.bad) return "bad";
  if (lagSeconds > HEALTH_THRESHOLDS.lagSeconds.warn) return "warn";
  return "ok";
}

export function lagMessagesHealth(lagMessages: number | null | undefined): Health {
  if (lagMessages == null) return "ok";
  if (lagMessages > HEALTH_THRESHOLDS.lagMessages.bad) return "bad";
  if (lagMessages > HEALTH_THRESHOLDS.lagMessages.warn) return "warn";
  return "ok";
}

export function edgeHealth(edge: { lagSeconds: number | null; lagMessages: number } | null): Health {
  if (!edge) return "ok";
  return worstHealth(lagSecondsHealth(edge.lagSeconds), lagMessagesHealth(edge.lagMessages));
}

export type NodeState = "starting" | "running" | "failing" | "stopped";

/** Errors over input, in percent (0 when nothing came in). */
export function errorRatePercent(errorsPerSec: number, inPerSec: number): number {
  return inPerSec > 0 ? (errorsPerSec / inPerSec) * 100 : errorsPerSec > 0 ? 100 : 0;
}

export function nodeHealth(node: { status: NodeState; inPerSec: number; errorsPerSec: number }): Health {
  if (node.status === "stopped") return "idle";
  if (node.status === "failing") return "bad";
  if (node.errorsPerSec > 0)
    return errorRatePercent(node.errorsPerSec, node.inPerSec) > HEALTH_THRESHOLDS.errorRatePercent.bad ? "bad" : "warn";
  return node.status === "starting" ? "warn" : "ok";
}

export type NodeRates = {
  inPerSec: number;
  outPerSec: number;
  errorsPerSec: number;
  freshnessSeconds?: number | null | undefined;
};

export type PipelineSummary = {
  /** What the sources accepted per second. */
  inPerSec: number;
  /** What the sinks wrote per second (their input minus their errors). */
  outPerSec: number;
  errorsPerSec: number;
  errorRatePercent: number;
  maxLagSeconds: number | null;
  maxLagMessages: number;
  /** The stalest sink: now minus the event time of the newest event it wrote. */
  freshnessSeconds: number | null;
  health: Health;
};

/**
 * One pipeline at a glance, from per-node rates (a live snapshot or a history entry) and edge lags.
 * `categoryOf` tells sources and sinks apart (from the deployed graph's node types).
 */
export function summarizePipeline(
  nodes: Readonly<Record<string, NodeRates>>,
  lags: readonly { lagSeconds: number | null; lagMessages: number }[],
  categoryOf: (nodeId: string) => "source" | "transform" | "sink" | undefined,
): PipelineSummary {
  let inPerSec = 0;
  let outPerSec = 0;
  let errorsPerSec = 0;
  let processed = 0;
  let freshness: number | null = null;
  for (const [id, n] of Object.entries(nodes)) {
    const category = categoryOf(id);
    if (category === "source") inPerSec += n.outPerSec;
    if (category === "sink") outPerSec += Math.max(0, n.inPerSec - n.errorsPerSec);
    errorsPerSec += n.errorsPerSec;
    processed += n.inPerSec;
    if (n.freshnessSeconds != null) freshness = Math.max(freshness ?? 0, n.freshnessSeconds);
  }
  const known = lags.flatMap((l) => (l.lagSeconds == null ? [] : [l.lagSeconds]));
  const maxLagSeconds = known.length > 0 ? Math.max(...known) : null;
  const maxLagMessages = lags.reduce((m, l) => Math.max(m, l.lagMessages), 0);
  const rate = errorRatePercent(errorsPerSec, processed);
  const errorHealth: Health =
    errorsPerSec === 0 ? "ok" : rate > HEALTH_THRESHOLDS.errorRatePercent.bad ? "bad" : "warn";
  return {
    inPerSec,
    outPerSec,
    errorsPerSec,
    errorRatePercent: rate,
    maxLagSeconds,
    maxLagMessages,
    freshnessSeconds: freshness,
    health: worstHealth("ok", errorHealth, ...lags.map((l) => edgeHealth(l))),
  };
}
