// In-process per-node accumulators kept next to the Prometheus counters (reading prom-client values
// back is awkward and async): totals since the process started, batch-latency samples since the last
// drain, and per sink the newest event time written. The live-metrics publisher reads and drains them.
import { type EventRecord, MAX_EVENT_TIME_SKEW_MS } from "@sluice/shared";

export type NodeCounters = { in: number; out: number; err: number; dlq: number };
type NodeError = { at: number; message: string };
type NodeStatsEntry = NodeCounters & {
  latencyMs: number[];
  maxEventTimeMs: number | null;
  /** Records re-run because their batch failed an attempt (BullMQ retry). */
  retries: number;
  /** UTF-8 bytes of the record values a stage head read from its topic. */
  bytesIn: number;
  /** Newest first, at most LAST_ERRORS, one per failing batch (not per event). */
  errors: NodeError[];
};

const LAST_ERRORS = 5;

/** Samples kept per node between two drains (a uniform reservoir beyond this). */
const RESERVOIR = 512;

export type NodeStats = {
  add(pipelineId: string, nodeId: string, field: keyof NodeCounters, n: number): void;
  latency(pipelineId: string, nodeId: string, ms: number): void;
  retried(pipelineId: string, nodeId: string, records: number): void;
  bytesIn(pipelineId: string, nodeId: string, bytes: number): void;
  /** A batch of this node failed or dead-lettered events with this message. */
  error(pipelineId: string, nodeId: string, message: string): void;
  /** A sink wrote these events: remember the newest event time (for freshness). */
  written(pipelineId: string, nodeId: string, events: readonly EventRecord[]): void;
  /** Totals and newest event time of one node (zeros when unseen). */
  get(pipelineId: string, nodeId: string): Readonly<NodeStatsEntry>;
  /** Returns the latency samples collected since the last call, and starts a new interval. */
  drainLatency(pipelineId: string, nodeId: string): number[];
  forget(pipelineId: string): void;
};

/** Event time of a record in epoch ms (`timestamp`: epoch ms or ISO-8601), null when absent. */
export function eventTimeMs(event: EventRecord): number | null {
  const t = (event as { timestamp?: unknown }).timestamp;
  if (typeof t === "number" && Number.isFinite(t)) return t;
  if (typeof t === "string") {
    const parsed = Date.parse(t);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

export function createNodeStats(): NodeStats {
  const byPipeline = new Map<string, Map<string, NodeStatsEntry & { seen: number }>>();
  const entry = (pipelineId: string, nodeId: string) => {
    let nodes = byPipeline.get(pipelineId);
    if (!nodes) byPipeline.set(pipelineId, (nodes = new Map()));
    let e = nodes.get(nodeId);
    if (!e)
      nodes.set(
        nodeId,
        (e = {
          in: 0,
          out: 0,
          err: 0,
          dlq: 0,
          latencyMs: [],
          maxEventTimeMs: null,
          retries: 0,
          bytesIn: 0,
          errors: [],
          seen: 0,
        }),
      );
    return e;
  };
  return {
    add(pipelineId, nodeId, field, n) {
      if (n > 0) entry(pipelineId, nodeId)[field] += n;
    },
    latency(pipelineId, nodeId, ms) {
      const e = entry(pipelineId, nodeId);
      e.seen++;
      if (e.latencyMs.length < RESERVOIR) e.latencyMs.push(ms);
      else {
        const slot = Math.floor(Math.random() * e.seen);
        if (slot < RESERVOIR) e.latencyMs[slot] = ms;
      }
    },
    retried(pipelineId, nodeId, records) {
      entry(pipelineId, nodeId).retries += records;
    },
    bytesIn(pipelineId, nodeId, bytes) {
      entry(pipelineId, nodeId).bytesIn += bytes;
    },
    error(pipelineId, nodeId, message) {
      const e = entry(pipelineId, nodeId);
      const text = message.slice(0, 500);
      if (e.errors[0]?.message === text) e.errors[0] = { at: Date.now(), message: text };
      else e.errors = [{ at: Date.now(), message: text }, ...e.errors].slice(0, LAST_ERRORS);
    },
    written(pipelineId, nodeId, events) {
      let max: number | null = null;
      // An event claiming a time far ahead (a kafka-source producer's clock, a hostile client) would pin freshness at 0.
      const latest = Date.now() + MAX_EVENT_TIME_SKEW_MS;
      for (const event of events) {
        const t = eventTimeMs(event);
        if (t !== null && t <= latest && (max === null || t > max)) max = t;
      }
      if (max === null) return;
      const e = entry(pipelineId, nodeId);
      if (e.maxEventTimeMs === null || max > e.maxEventTimeMs) e.maxEventTimeMs = max;
    },
    get: (pipelineId, nodeId) => entry(pipelineId, nodeId),
    drainLatency(pipelineId, nodeId) {
      const e = entry(pipelineId, nodeId);
      const samples = e.latencyMs;
      e.latencyMs = [];
      e.seen = 0;
      return samples;
    },
    forget: (pipelineId) => void byPipeline.delete(pipelineId),
  };
}
