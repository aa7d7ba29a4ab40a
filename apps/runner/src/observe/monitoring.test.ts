import type { MetricsSnapshotV1, NodeMetricsV1 } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { createNodeStats, eventTimeMs } from "./node-stats";
import { evaluateCondition } from "./alerts";
import { percentile } from "./snapshot-publisher";

const node = (over: Partial<NodeMetricsV1> = {}): NodeMetricsV1 => ({
  inPerSec: 0,
  outPerSec: 0,
  errorsPerSec: 0,
  dlqPerSec: 0,
  inTotal: 0,
  outTotal: 0,
  errorsTotal: 0,
  dlqTotal: 0,
  retriesTotal: 0,
  bytesInPerSec: 0,
  latencyMs: { p50: null, p95: null, p99: null },
  status: "running",
  lastError: null,
  ...over,
});

const snapshot = (nodes: Record<string, NodeMetricsV1>, lagSeconds: (number | null)[] = []): MetricsSnapshotV1 => ({
  version: "v1",
  pipelineId: "p",
  deploymentId: "d",
  runnerId: "r",
  at: 0,
  uptimeSeconds: 1,
  nodes,
  edges: lagSeconds.map((s, i) => ({
    topic: `t${i}`,
    edgeIds: [],
    producePerSec: 0,
    lagMessages: 0,
    lagSeconds: s,
    partitions: [],
    hottestPartitionShare: null,
  })),
  fusedEdgeIds: [],
});

describe("alert conditions", () => {
  it("lag_seconds takes the largest edge", () => {
    expect(
      evaluateCondition({ kind: "lag_seconds", nodeId: null, threshold: 5 }, snapshot({}, [1, null, 7]), []),
    ).toMatchObject({ holds: true, value: 7 });
    expect(evaluateCondition({ kind: "lag_seconds", nodeId: null, threshold: 5 }, snapshot({}, [1]), []).holds).toBe(
      false,
    );
  });

  it("error_rate is errors over input, per node or for the pipeline", () => {
    const s = snapshot({ a: node({ inPerSec: 100, errorsPerSec: 10 }), b: node({ inPerSec: 100, errorsPerSec: 0 }) });
    expect(evaluateCondition({ kind: "error_rate", nodeId: "a", threshold: 5 }, s, []).value).toBeCloseTo(10);
    expect(evaluateCondition({ kind: "error_rate", nodeId: null, threshold: 5 }, s, []).value).toBeCloseTo(5);
    expect(
      evaluateCondition({ kind: "error_rate", nodeId: null, threshold: 5 }, snapshot({ a: node() }), []).holds,
    ).toBe(false);
  });

  it("throughput_below measures sources unless a node is named", () => {
    const s = snapshot({ src: node({ inPerSec: 10 }), x: node({ inPerSec: 100 }) });
    expect(evaluateCondition({ kind: "throughput_below", nodeId: null, threshold: 50 }, s, ["src"])).toMatchObject({
      holds: true,
      value: 10,
    });
    expect(evaluateCondition({ kind: "throughput_below", nodeId: "x", threshold: 50 }, s, ["src"]).holds).toBe(false);
  });

  it("freshness and node_failing", () => {
    const s = snapshot({ sink: node({ freshnessSeconds: 30 }), f: node({ status: "failing" }) });
    expect(evaluateCondition({ kind: "freshness", nodeId: null, threshold: 10 }, s, [])).toMatchObject({
      holds: true,
      value: 30,
    });
    expect(evaluateCondition({ kind: "node_failing", nodeId: null, threshold: 0 }, s, [])).toMatchObject({
      holds: true,
      value: 1,
    });
    expect(evaluateCondition({ kind: "node_failing", nodeId: "sink", threshold: 0 }, s, []).holds).toBe(false);
  });
});

describe("node stats", () => {
  it("counts, drains latency and keeps the newest event time written", () => {
    const stats = createNodeStats();
    stats.add("p", "n", "in", 3);
    stats.add("p", "n", "in", 2);
    stats.latency("p", "n", 5);
    stats.written("p", "n", [{ timestamp: 1000 }, { timestamp: "1970-01-01T00:00:02.000Z" }, { id: "x" }]);
    // A time far in the future is not "the newest written": freshness would read 0 from then on.
    stats.written("p", "n", [{ timestamp: "9999-12-31T23:59:59Z" }, { timestamp: 8.64e15 }]);
    expect(stats.get("p", "n")).toMatchObject({ in: 5, maxEventTimeMs: 2000 });
    expect(stats.drainLatency("p", "n")).toEqual([5]);
    expect(stats.drainLatency("p", "n")).toEqual([]);
    expect(eventTimeMs({ timestamp: "nope" })).toBeNull();
  });

  it("percentile is nearest-rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 50)).toBeNull();
  });
});
