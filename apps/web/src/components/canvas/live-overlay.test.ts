import { describe, expect, it } from "vitest";
import type { MetricsSnapshotV1, NodeMetricsV1, PipelineGraph } from "@sluice/shared";
import { appendSample, mapSnapshot, partitionSkew, sampleOf, seedSeries, statusFromDeployment } from "./live-overlay";

const node = (over: Partial<NodeMetricsV1> = {}): NodeMetricsV1 => ({
  inPerSec: 10,
  outPerSec: 8,
  errorsPerSec: 0,
  dlqPerSec: 0,
  inTotal: 100,
  outTotal: 80,
  errorsTotal: 0,
  dlqTotal: 0,
  retriesTotal: 0,
  bytesInPerSec: 0,
  latencyMs: { p50: 1, p95: 2, p99: 3 },
  status: "running",
  lastError: null,
  ...over,
});

const graph: PipelineGraph = {
  nodes: ["gen", "f", "sink", "draft-only"].map((id) => ({
    id,
    type: "filter",
    typeVersion: 1,
    config: {},
    position: { x: 0, y: 0 },
  })),
  edges: [
    { id: "e1", source: "gen", sourcePort: "out", target: "f", targetPort: "in" },
    { id: "e2", source: "f", sourcePort: "out", target: "sink", targetPort: "in" },
    { id: "e3", source: "f", sourcePort: "out", target: "draft-only", targetPort: "in" },
  ],
};

const snapshot: MetricsSnapshotV1 = {
  version: "v1",
  pipelineId: "p",
  deploymentId: "d",
  runnerId: "r",
  at: 1000,
  uptimeSeconds: 1,
  nodes: {
    gen: node({ inPerSec: 40, outPerSec: 40 }),
    f: node({
      outPerSec: 30,
      errorsPerSec: 5,
      inPerSec: 40,
      errorsTotal: 7,
      pool: { waiting: 2, active: 1, delayed: 0, failed: 0, workers: 1, concurrency: 4 },
    }),
    sink: node({ status: "failing", lastError: "sink down" }),
  },
  edges: [
    {
      topic: "sluice.w.p.gen.out",
      edgeIds: ["e1"],
      producePerSec: 41,
      lagMessages: 20_000,
      lagSeconds: 3,
      partitions: [
        { partition: 0, lagMessages: 19_000, lagSeconds: 3 },
        { partition: 1, lagMessages: 1_000, lagSeconds: 0.2 },
      ],
      hottestPartitionShare: 0.9,
    },
  ],
  fusedEdgeIds: ["e2"],
};

describe("live overlay mapping", () => {
  it("labels topic edges with rate and lag coloured by health, fused edges with their source's rate and no lag", () => {
    const { edges } = mapSnapshot(snapshot, graph, "running");
    expect(edges.get("e1")).toEqual({
      perSec: 41,
      lag: { messages: 20_000, seconds: 3 },
      health: "warn",
      topic: "sluice.w.p.gen.out",
      partitions: [
        { partition: 0, lagMessages: 19_000, lagSeconds: 3 },
        { partition: 1, lagMessages: 1_000, lagSeconds: 0.2 },
      ],
      hottestShare: 0.9,
    });
    expect(edges.get("e2")).toEqual({
      perSec: 30,
      lag: null,
      health: "ok",
      topic: null,
      partitions: [],
      hottestShare: null,
    });
    // An edge the running version does not have gets no label.
    expect(edges.has("e3")).toBe(false);
  });

  it("gives each node rates, errors, status and health; unknown nodes take the deployment's status", () => {
    const { nodes } = mapSnapshot(snapshot, graph, "starting");
    expect(nodes.get("f")).toMatchObject({
      inPerSec: 40,
      outPerSec: 30,
      errorsTotal: 7,
      status: "running",
      health: "bad",
      pool: { waiting: 2 },
    });
    expect(nodes.get("sink")).toMatchObject({
      status: "failing",
      health: "bad",
      lastErrors: [{ at: 0, message: "sink down" }],
    });
    expect(nodes.get("draft-only")).toMatchObject({ status: "starting", health: "warn", inPerSec: 0 });
    expect(statusFromDeployment("pending")).toBe("starting");
    expect(statusFromDeployment("stopping")).toBe("stopped");
    expect(statusFromDeployment(undefined)).toBe("stopped");
  });

  it("calls a partition hot when it takes twice its even share (three quarters of two)", () => {
    expect(partitionSkew(0.5, 4)).toEqual({ share: 0.5, even: 0.25, skewed: true });
    expect(partitionSkew(0.3, 4)).toMatchObject({ skewed: false });
    expect(partitionSkew(0.7, 2)).toMatchObject({ even: 0.5, skewed: false });
    expect(partitionSkew(0.8, 2)).toMatchObject({ skewed: true });
    expect(partitionSkew(1, 1)).toMatchObject({ skewed: false });
    expect(partitionSkew(null, 4)).toBeNull();
    expect(partitionSkew(0.5, 0)).toBeNull();
  });

  it("keeps the newest 60 samples in time order, seeded from history", () => {
    let series = seedSeries(
      Array.from({ length: 70 }, (_, i) => ({
        t: i * 5000,
        nodes: { f: { inPerSec: i, outPerSec: i, errorsPerSec: 0, p50: null, p99: null } },
      })),
    ).get("f")!;
    expect(series).toHaveLength(60);
    expect(series[0]!.t).toBe(10 * 5000);
    const sample = sampleOf({ ...snapshot, at: 1_000_000 }, "f")!;
    expect(sample).toMatchObject({ in: 40, out: 30, err: 5, p95: 2, waiting: 2, active: 1 });
    series = appendSample(series, sample);
    expect(series).toHaveLength(60);
    expect(series.at(-1)).toBe(sample);
    expect(appendSample(series, { ...sample, t: 5 })).toBe(series);
    expect(sampleOf(snapshot, "nope")).toBeNull();
  });
});
