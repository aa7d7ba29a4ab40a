// Maps a live MetricsSnapshotV1 onto the canvas graph: per node rates, errors and a status, per edge
// its rate and lag with a health colour, plus a short client-side history per node for the hover
// chart and the detail drawer. Pure, so the mapping is unit-tested without a browser.
import {
  edgeHealth,
  nodeHealth,
  type Health,
  type MetricsSnapshotV1,
  type NodeMetricsV1,
  type NodeState,
  type PartitionLagV1,
  type PipelineGraph,
} from "@sluice/shared";

export type LiveNode = {
  status: NodeState;
  health: Health;
  inPerSec: number;
  outPerSec: number;
  errorsPerSec: number;
  errorsTotal: number;
  dlqTotal: number;
  retriesTotal: number;
  bytesInPerSec: number;
  latencyMs: NodeMetricsV1["latencyMs"];
  pool: NodeMetricsV1["pool"] | null;
  freshnessSeconds: number | null;
  lastErrors: { at: number; message: string }[];
};

export type LiveEdge = {
  perSec: number;
  /** Null on fused edges (no topic, so no lag). */
  lag: { messages: number; seconds: number | null } | null;
  health: Health;
  topic: string | null;
  /** Lag per partition of the edge's topic (empty on fused edges). */
  partitions: PartitionLagV1[];
  /** Share of the last interval's events that went to the busiest partition (null: fused or idle). */
  hottestShare: number | null;
};

/** One point of a node's recent history (live snapshots, seeded from the 15 min history). */
export type LiveSample = {
  t: number;
  in: number;
  out: number;
  err: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  waiting: number | null;
  active: number | null;
};

const LIVE_SAMPLES = 60;

/** What a node shows while no runner reports it: the deployment's own status. */
export function statusFromDeployment(status: string | null | undefined): NodeState {
  if (status === "running" || status === "failing" || status === "starting") return status;
  if (status === "pending") return "starting";
  return "stopped";
}

function liveNode(metrics: NodeMetricsV1 | undefined, fallback: NodeState): LiveNode {
  if (!metrics) {
    return {
      status: fallback,
      health: nodeHealth({ status: fallback, inPerSec: 0, errorsPerSec: 0 }),
      inPerSec: 0,
      outPerSec: 0,
      errorsPerSec: 0,
      errorsTotal: 0,
      dlqTotal: 0,
      retriesTotal: 0,
      bytesInPerSec: 0,
      latencyMs: { p50: null, p95: null, p99: null },
      pool: null,
      freshnessSeconds: null,
      lastErrors: [],
    };
  }
  const lastErrors = metrics.lastErrors ?? (metrics.lastError ? [{ at: 0, message: metrics.lastError }] : []);
  return {
    status: metrics.status,
    health: nodeHealth(metrics),
    inPerSec: metrics.inPerSec,
    outPerSec: metrics.outPerSec,
    errorsPerSec: metrics.errorsPerSec,
    errorsTotal: metrics.errorsTotal,
    dlqTotal: metrics.dlqTotal,
    retriesTotal: metrics.retriesTotal,
    bytesInPerSec: metrics.bytesInPerSec,
    latencyMs: metrics.latencyMs,
    pool: metrics.pool ?? null,
    freshnessSeconds: metrics.freshnessSeconds ?? null,
    lastErrors,
  };
}

/** Per canvas node and edge, what the snapshot says (edges the running version does not have are left out). */
export function mapSnapshot(
  snapshot: MetricsSnapshotV1,
  graph: PipelineGraph,
  fallback: NodeState,
): { nodes: Map<string, LiveNode>; edges: Map<string, LiveEdge> } {
  const nodes = new Map<string, LiveNode>();
  for (const node of graph.nodes) nodes.set(node.id, liveNode(snapshot.nodes[node.id], fallback));
  const byEdge = new Map<string, MetricsSnapshotV1["edges"][number]>();
  for (const e of snapshot.edges) for (const id of e.edgeIds) byEdge.set(id, e);
  const fused = new Set(snapshot.fusedEdgeIds);
  const edges = new Map<string, LiveEdge>();
  for (const edge of graph.edges) {
    const topic = byEdge.get(edge.id);
    if (topic) {
      const lag = { messages: topic.lagMessages, seconds: topic.lagSeconds };
      edges.set(edge.id, {
        perSec: topic.producePerSec,
        lag,
        health: edgeHealth({ lagSeconds: lag.seconds, lagMessages: lag.messages }),
        topic: topic.topic,
        partitions: topic.partitions,
        hottestShare: topic.hottestPartitionShare,
      });
    } else if (fused.has(edge.id)) {
      // A fused edge is its source's only non-error output: that node's output rate is the edge's.
      edges.set(edge.id, {
        perSec: snapshot.nodes[edge.source]?.outPerSec ?? 0,
        lag: null,
        health: "ok",
        topic: null,
        partitions: [],
        hottestShare: null,
      });
    }
  }
  return { nodes, edges };
}

/**
 * How lopsided an edge's traffic is: the busiest partition's share against an even spread. Skewed when
 * one partition takes at least twice its even share (three quarters with two partitions), which is
 * what a hot key looks like: one partition, so one worker, carries the load.
 */
export function partitionSkew(
  share: number | null,
  partitionCount: number,
): { share: number; even: number; skewed: boolean } | null {
  if (share === null || partitionCount < 1) return null;
  const even = 1 / partitionCount;
  return { share, even, skewed: partitionCount > 1 && share >= Math.min(2 * even, (1 + even) / 2) };
}

export function sampleOf(snapshot: MetricsSnapshotV1, nodeId: string): LiveSample | null {
  const n = snapshot.nodes[nodeId];
  if (!n) return null;
  return {
    t: snapshot.at,
    in: n.inPerSec,
    out: n.outPerSec,
    err: n.errorsPerSec,
    p50: n.latencyMs.p50,
    p95: n.latencyMs.p95,
    p99: n.latencyMs.p99,
    waiting: n.pool?.waiting ?? null,
    active: n.pool?.active ?? null,
  };
}

/** Appends in time order, keeping the newest `max` samples; a sample not newer than the last is ignored. */
export function appendSample(series: readonly LiveSample[], sample: LiveSample, max = LIVE_SAMPLES): LiveSample[] {
  const last = series[series.length - 1];
  if (last && sample.t <= last.t) return series as LiveSample[];
  const next = [...series, sample];
  return next.length > max ? next.slice(next.length - max) : next;
}

type HistoryPoint = {
  t: number;
  nodes: Record<
    string,
    { inPerSec: number; outPerSec: number; errorsPerSec: number; p50: number | null; p99: number | null }
  >;
};

/** Seeds the per-node series from `metrics.history` (15 min, coarser buckets), newest `max` points. */
export function seedSeries(points: readonly HistoryPoint[], max = LIVE_SAMPLES): Map<string, LiveSample[]> {
  const series = new Map<string, LiveSample[]>();
  for (const p of points.slice(-max)) {
    for (const [id, n] of Object.entries(p.nodes)) {
      const list = series.get(id) ?? [];
      list.push({
        t: p.t,
        in: n.inPerSec,
        out: n.outPerSec,
        err: n.errorsPerSec,
        p50: n.p50,
        p95: null,
        p99: n.p99,
        waiting: null,
        active: null,
      });
      series.set(id, list);
    }
  }
  return series;
}
