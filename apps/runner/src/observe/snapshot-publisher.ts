// Live metrics: once a second, per pipeline running in this process, a MetricsSnapshotV1 built from
// the engine's in-process counters (observe/node-stats.ts), the stage queues' BullMQ counts and the
// broker's offsets, PUBLISHed on metricsChannel(pipelineId); plus history entries in two capped
// Redis streams (1 s for an hour, 10 s for a day) whose node figures are COUNTS over the interval,
// so the web can sum them across runners. One Redis pipeline of commands per tick, never per event.
//
// Lag seconds (age of the oldest unprocessed event) per partition:
//  - lag 0 (end offset = committed offset): 0.
//  - a partition this process consumes with records read but not committed: now minus the broker
//    timestamp of the oldest such record. Batches commit strictly in offset order, so that record is
//    the one at the committed offset: exact, and free (the feeder already holds it).
//  - otherwise (lag > 0 but the record is not read here: owned by another runner, or not fetched
//    yet): a lower bound, the time since this process first saw the partition's committed offset
//    stuck at its current value with lag > 0. Good enough to alert on a stall; not exact.
import type { Redis } from "ioredis";
import type { Kafka } from "@sluice/kafka";
import {
  type EdgeMetricsV1,
  type HistoryEntryV1,
  historyStreamKey,
  LAST_ERRORS_MAX,
  type MetricsSnapshotV1,
  metricsChannel,
  type NodeMetricsV1,
  watermarkKey,
} from "@sluice/shared";
import type { RunningDeployment, RunningDeployments } from "./running";
import { edgeLabel, type EngineMetrics } from "./engine-metrics";
import type { NodeCounters } from "./node-stats";
import type { Logger } from "../log";

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const LATENCY_CAP = 4096;

export type SnapshotPublisher = {
  /** The last snapshot this process built for a pipeline. */
  latest(pipelineId: string): MetricsSnapshotV1 | undefined;
  /** One tick now (tests); ticks never overlap. */
  tick(): Promise<void>;
  stop(): Promise<void>;
};

type PipelineState = {
  deploymentId: string;
  startedAt: number;
  lastAt: number;
  prev: Map<string, NodeCounters>;
  prevEnds: Map<string, bigint>;
  /** Partition -> committed offset and since when it has been stuck with lag > 0. */
  stuck: Map<string, { committed: bigint; since: number }>;
  bucket: number;
  tenCounts: Map<string, NodeCounters>;
  tenLatency: Map<string, number[]>;
  /** Per node, its recent distinct status reasons (newest first), for the canvas drawer. */
  errors: Map<string, { at: number; message: string }[]>;
  prevExtra: Map<string, { retries: number; bytesIn: number }>;
  latest?: MetricsSnapshotV1;
};

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 100) / 100;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export function startSnapshotPublisher(options: {
  reconciler: RunningDeployments;
  kafka: Kafka;
  redis: Redis;
  metrics: EngineMetrics;
  runnerId: string;
  log: Logger;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Default 10000 ms. */
  historyCoarseMs?: number;
  /** Partitions of stateful nodes silent this long do not hold the reported watermark back. Default 30 s. */
  idlePartitionMs?: number;
}): SnapshotPublisher {
  const log = options.log.child({ module: "snapshot-publisher" });
  const intervalMs = options.intervalMs ?? 1000;
  const coarseMs = options.historyCoarseMs ?? 10_000;
  const idleMs = options.idlePartitionMs ?? 30_000;
  const processStart = Date.now();
  const states = new Map<string, PipelineState>();
  const { stats } = options.metrics;

  async function build(
    runtime: RunningDeployment,
    state: PipelineState,
    now: number,
    pipe: ReturnType<Redis["pipeline"]>,
  ) {
    const { plan, pipelineId } = runtime.spec;
    const dt = Math.max(0.001, (now - state.lastAt) / 1000);
    const nodeIds = [
      ...plan.ingest.map((i) => i.nodeId),
      ...plan.generators.map((g) => g.nodeId),
      ...plan.stages.flatMap((s) => s.nodes.map((n) => n.id)),
    ];
    const nodeType = new Map<string, string>(plan.stages.flatMap((s) => s.nodes.map((n) => [n.id, n.type] as const)));
    const stageOf = new Map<string, string>(plan.stages.flatMap((s) => s.nodes.map((n) => [n.id, s.id] as const)));

    // Broker: end offsets of every edge topic, committed offsets of every stage group.
    const edgeTopics = [...new Set(plan.edges.flatMap((e) => (e.topic ? [e.topic] : [])))];
    const consumed = plan.stages
      .filter((s) => !s.connectionId)
      .flatMap((s) => s.inputTopics.map((topic) => ({ topic, groupId: s.groupId })));
    const allTopics = [...new Set([...edgeTopics, ...consumed.map((c) => c.topic)])];
    const groups = [...new Set(consumed.map((c) => c.groupId))];
    const [ends, committedByGroup, poolCounts, watermarks] = await Promise.all([
      allTopics.length > 0 ? options.kafka.admin.endOffsets(allTopics) : Promise.resolve([]),
      Promise.all(
        groups.map((g) => {
          const topics = [...new Set(consumed.filter((c) => c.groupId === g).map((c) => c.topic))];
          return options.kafka.admin.committedOffsets(g, topics);
        }),
      ),
      Promise.all(runtime.stages.map(async (s) => [s.stageId, await s.queue.counts().catch(() => undefined)] as const)),
      readWatermarks(runtime, now),
    ]);

    // Lag per partition: the largest over the groups consuming the topic.
    const lagOf = new Map<string, number>();
    const committedOf = new Map<string, bigint>();
    groups.forEach((g, i) => {
      const committed = new Map(committedByGroup[i]!.map((c) => [tp(c.topic, c.partition), c.offset]));
      for (const topic of new Set(consumed.filter((c) => c.groupId === g).map((c) => c.topic))) {
        for (const end of ends.filter((e) => e.topic === topic)) {
          const key = tp(topic, end.partition);
          const done = committed.get(key) ?? 0n;
          const lag = Number(end.offset > done ? end.offset - done : 0n);
          if (lag >= (lagOf.get(key) ?? 0)) {
            lagOf.set(key, lag);
            committedOf.set(key, done);
          }
        }
      }
    });
    const oldest = new Map<string, number>();
    for (const stage of runtime.stages) {
      for (const o of stage.feeder.oldestUnprocessed()) {
        const key = tp(o.topic, o.partition);
        oldest.set(key, Math.min(oldest.get(key) ?? Infinity, o.timestampMs));
      }
    }
    const lagSecondsOf = (key: string): number | null => {
      const lag = lagOf.get(key);
      if (lag === undefined) return null;
      const committed = committedOf.get(key) ?? 0n;
      if (lag === 0) {
        state.stuck.delete(key);
        return 0;
      }
      let stuck = state.stuck.get(key);
      if (!stuck || stuck.committed !== committed) state.stuck.set(key, (stuck = { committed, since: now }));
      const ts = oldest.get(key);
      return round(Math.max(0, (now - (ts ?? stuck.since)) / 1000));
    };

    const edges: EdgeMetricsV1[] = [];
    for (const topic of edgeTopics) {
      const parts = ends.filter((e) => e.topic === topic).sort((a, b) => a.partition - b.partition);
      let produced = 0;
      let hottest = 0;
      const partitions = parts.map((end) => {
        const key = tp(topic, end.partition);
        const prev = state.prevEnds.get(key);
        const delta = prev === undefined ? 0 : Math.max(0, Number(end.offset - prev));
        state.prevEnds.set(key, end.offset);
        produced += delta;
        hottest = Math.max(hottest, delta);
        const lagSeconds = lagSecondsOf(key);
        if (lagSeconds !== null)
          options.metrics.lagSeconds.set(
            { pipeline: pipelineId, edge: edgeLabel(plan, topic), partition: String(end.partition) },
            lagSeconds,
          );
        return { partition: end.partition, lagMessages: lagOf.get(key) ?? 0, lagSeconds };
      });
      const known = partitions.flatMap((p) => (p.lagSeconds === null ? [] : [p.lagSeconds]));
      edges.push({
        topic,
        edgeIds: plan.edges.filter((e) => e.topic === topic).map((e) => e.id),
        producePerSec: round(produced / dt),
        lagMessages: partitions.reduce((sum, p) => sum + p.lagMessages, 0),
        lagSeconds: known.length > 0 ? Math.max(...known) : null,
        partitions,
        hottestPartitionShare: produced > 0 ? round(hottest / produced) : null,
      });
    }

    const pools = new Map(poolCounts);
    const nodes: Record<string, NodeMetricsV1> = {};
    const hist: HistoryEntryV1 = { runnerId: options.runnerId, at: now, nodes: {}, edges: {}, sinks: {} };
    const bucket = Math.floor(now / coarseMs);
    const flushCoarse = bucket !== state.bucket;
    const coarse: HistoryEntryV1 = { runnerId: options.runnerId, at: now, nodes: {}, edges: {}, sinks: {} };
    const stageLatency = new Map<string, number[]>();
    for (const stage of plan.stages)
      stageLatency.set(
        stage.id,
        stats.drainLatency(pipelineId, stage.id).sort((a, b) => a - b),
      );
    for (const nodeId of nodeIds) {
      const totals = stats.get(pipelineId, nodeId);
      const prev = state.prev.get(nodeId) ?? { in: 0, out: 0, err: 0, dlq: 0 };
      const delta: NodeCounters = {
        in: totals.in - prev.in,
        out: totals.out - prev.out,
        err: totals.err - prev.err,
        dlq: totals.dlq - prev.dlq,
      };
      state.prev.set(nodeId, { in: totals.in, out: totals.out, err: totals.err, dlq: totals.dlq });
      // Batch latency is measured per stage (a fused chain runs as one step): each node of it reports it.
      const stageId = stageOf.get(nodeId);
      const samples = stageId ? (stageLatency.get(stageId) ?? []) : [];
      const latencyMs = { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99) };
      const counts = stageId ? pools.get(stageId) : undefined;
      const stage = runtime.stages.find((s) => s.stageId === stageId);
      const type = nodeType.get(nodeId) ?? "";
      const status = runtime.nodeStatus[nodeId];
      const recent = state.errors.get(nodeId) ?? [];
      if (status?.reason && recent[0]?.message !== status.reason.slice(0, 500)) {
        state.errors.set(
          nodeId,
          [{ at: now, message: status.reason.slice(0, 500) }, ...recent].slice(0, LAST_ERRORS_MAX),
        );
      }
      // Status reasons (node failing) and the errors batches reported (dead-lettered events, failed attempts).
      const merged = [...(state.errors.get(nodeId) ?? []), ...totals.errors].sort((a, b) => b.at - a.at);
      const lastErrors = merged
        .filter((e, i) => i === 0 || e.message !== merged[i - 1]!.message)
        .slice(0, LAST_ERRORS_MAX);
      const prevExtra = state.prevExtra.get(nodeId) ?? { retries: 0, bytesIn: 0 };
      state.prevExtra.set(nodeId, { retries: totals.retries, bytesIn: totals.bytesIn });
      const node: NodeMetricsV1 = {
        inPerSec: round(delta.in / dt),
        outPerSec: round(delta.out / dt),
        errorsPerSec: round(delta.err / dt),
        dlqPerSec: round(delta.dlq / dt),
        inTotal: totals.in,
        outTotal: totals.out,
        errorsTotal: totals.err,
        dlqTotal: totals.dlq,
        retriesTotal: totals.retries,
        bytesInPerSec: round((totals.bytesIn - prevExtra.bytesIn) / dt),
        latencyMs,
        status: status?.state ?? "running",
        lastError: status?.reason ?? null,
        ...(lastErrors.length > 0 ? { lastErrors } : {}),
        ...(counts && stage ? { pool: { ...counts, workers: 1, concurrency: stage.concurrency } } : {}),
      };
      if (type === "window" || type === "sessionize") node.watermark = watermarks.get(nodeId) ?? null;
      if (type.endsWith("-sink")) {
        node.freshnessSeconds =
          totals.maxEventTimeMs === null ? null : round(Math.max(0, (now - totals.maxEventTimeMs) / 1000));
        hist.sinks[nodeId] = node.freshnessSeconds;
        coarse.sinks[nodeId] = node.freshnessSeconds;
        if (node.freshnessSeconds !== null)
          options.metrics.sinkFreshness.set({ pipeline: pipelineId, node: nodeId }, node.freshnessSeconds);
      }
      nodes[nodeId] = node;
      hist.nodes[nodeId] = { ...delta, p50: latencyMs.p50, p99: latencyMs.p99 };

      // The 10 s bucket: counts add up, latency samples pool (capped).
      const ten = state.tenCounts.get(nodeId) ?? { in: 0, out: 0, err: 0, dlq: 0 };
      const tenSamples = state.tenLatency.get(nodeId) ?? [];
      if (flushCoarse) {
        const sorted = [...tenSamples].sort((a, b) => a - b);
        coarse.nodes[nodeId] = { ...ten, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
        state.tenCounts.set(nodeId, { ...delta });
        state.tenLatency.set(nodeId, samples.slice(0, LATENCY_CAP));
      } else {
        state.tenCounts.set(nodeId, {
          in: ten.in + delta.in,
          out: ten.out + delta.out,
          err: ten.err + delta.err,
          dlq: ten.dlq + delta.dlq,
        });
        if (tenSamples.length < LATENCY_CAP) tenSamples.push(...samples.slice(0, LATENCY_CAP - tenSamples.length));
        state.tenLatency.set(nodeId, tenSamples);
      }
    }
    for (const edge of edges) {
      hist.edges[edge.topic] = { lag: edge.lagMessages, lagSec: edge.lagSeconds };
      coarse.edges[edge.topic] = hist.edges[edge.topic]!;
    }

    const snapshot: MetricsSnapshotV1 = {
      version: "v1",
      pipelineId,
      deploymentId: runtime.spec.deploymentId,
      runnerId: options.runnerId,
      at: now,
      uptimeSeconds: round((now - processStart) / 1000),
      nodes,
      edges,
      fusedEdgeIds: plan.edges.filter((e) => e.topic === null).map((e) => e.id),
    };
    state.latest = snapshot;
    state.lastAt = now;
    pipe.publish(metricsChannel(pipelineId), JSON.stringify(snapshot));
    pipe.xadd(historyStreamKey(pipelineId, "1s"), "MINID", "~", String(now - HOUR_MS), "*", "d", JSON.stringify(hist));
    // The first bucket after a start is partial (and nothing to write when this process just began).
    if (flushCoarse && state.bucket !== -1)
      pipe.xadd(
        historyStreamKey(pipelineId, "10s"),
        "MINID",
        "~",
        String(now - DAY_MS),
        "*",
        "d",
        JSON.stringify(coarse),
      );
    state.bucket = bucket;
  }

  /** Watermark of each window/sessionize node: the minimum over its partitions that are not idle. */
  async function readWatermarks(runtime: RunningDeployment, now: number): Promise<Map<string, number>> {
    const ids = runtime.spec.plan.stages.flatMap((s) =>
      s.nodes.filter((n) => n.type === "window" || n.type === "sessionize").map((n) => n.id),
    );
    const result = new Map<string, number>();
    if (ids.length === 0) return result;
    const pipe = options.redis.pipeline();
    for (const id of ids) pipe.hgetall(watermarkKey(runtime.spec.pipelineId, id));
    const replies = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const all = (replies[i]?.[1] ?? {}) as Record<string, string>;
      let min: number | undefined;
      for (const value of Object.values(all)) {
        const [wm, at] = value.split(":").map(Number);
        if (wm === undefined || at === undefined || Number.isNaN(wm) || now - at > idleMs) continue;
        min = min === undefined ? wm : Math.min(min, wm);
      }
      if (min !== undefined) result.set(id, min);
    });
    return result;
  }

  async function tickOnce() {
    const now = Date.now();
    const running = options.reconciler.running();
    const live = new Set(running.map((r) => r.spec.pipelineId));
    for (const pipelineId of states.keys()) {
      if (live.has(pipelineId)) continue;
      // Totals restart from zero if the pipeline runs here again (the history counts stay exact).
      states.delete(pipelineId);
      stats.forget(pipelineId);
    }
    const pipe = options.redis.pipeline();
    await Promise.all(
      running.map(async (runtime) => {
        const { pipelineId, deploymentId } = runtime.spec;
        let state = states.get(pipelineId);
        if (!state) {
          state = {
            deploymentId,
            startedAt: now,
            lastAt: now - intervalMs,
            prev: new Map(),
            prevEnds: new Map(),
            stuck: new Map(),
            bucket: -1,
            tenCounts: new Map(),
            tenLatency: new Map(),
            errors: new Map(),
            prevExtra: new Map(),
          };
          states.set(pipelineId, state);
        }
        state.deploymentId = deploymentId;
        try {
          await build(runtime, state, now, pipe);
        } catch (err) {
          log.warn({ err, pipelineId }, "metrics snapshot failed");
        }
      }),
    );
    if (pipe.length > 0) await pipe.exec();
  }

  let current: Promise<void> | undefined;
  const tick = () =>
    (current ??= tickOnce()
      .catch((err: unknown) => log.warn({ err }, "metrics publish failed"))
      .finally(() => (current = undefined)));
  const timer = setInterval(() => void tick(), intervalMs);
  return {
    latest: (pipelineId) => states.get(pipelineId)?.latest,
    tick,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
