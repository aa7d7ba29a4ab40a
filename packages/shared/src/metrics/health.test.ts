import { describe, expect, it } from "vitest";
import {
  edgeHealth,
  errorRatePercent,
  mergeSnapshots,
  nodeHealth,
  summarizePipeline,
  worstHealth,
  type MetricsSnapshotV1,
} from "../index";

describe("health colouring", () => {
  it("colours edges by the worse of lag seconds and lag messages", () => {
    expect(edgeHealth(null)).toBe("ok");
    expect(edgeHealth({ lagSeconds: 5, lagMessages: 10_000 })).toBe("ok");
    expect(edgeHealth({ lagSeconds: 5.1, lagMessages: 0 })).toBe("warn");
    expect(edgeHealth({ lagSeconds: 0, lagMessages: 10_001 })).toBe("warn");
    expect(edgeHealth({ lagSeconds: 61, lagMessages: 0 })).toBe("bad");
    expect(edgeHealth({ lagSeconds: null, lagMessages: 100_001 })).toBe("bad");
  });

  it("colours nodes by status and error share", () => {
    expect(nodeHealth({ status: "running", inPerSec: 100, errorsPerSec: 0 })).toBe("ok");
    expect(nodeHealth({ status: "running", inPerSec: 100, errorsPerSec: 5 })).toBe("warn");
    expect(nodeHealth({ status: "running", inPerSec: 100, errorsPerSec: 6 })).toBe("bad");
    expect(nodeHealth({ status: "failing", inPerSec: 0, errorsPerSec: 0 })).toBe("bad");
    expect(nodeHealth({ status: "starting", inPerSec: 0, errorsPerSec: 0 })).toBe("warn");
    expect(nodeHealth({ status: "stopped", inPerSec: 0, errorsPerSec: 3 })).toBe("idle");
    expect(errorRatePercent(1, 0)).toBe(100);
    expect(worstHealth("ok", "bad", "warn")).toBe("bad");
  });

  it("summarizes a pipeline: sources in, sinks out (minus their errors), worst lag and freshness", () => {
    const categories: Record<string, "source" | "transform" | "sink"> = { gen: "source", f: "transform", out: "sink" };
    const s = summarizePipeline(
      {
        gen: { inPerSec: 50, outPerSec: 50, errorsPerSec: 0 },
        f: { inPerSec: 50, outPerSec: 40, errorsPerSec: 0 },
        out: { inPerSec: 40, outPerSec: 0, errorsPerSec: 4, freshnessSeconds: 3 },
      },
      [
        { lagSeconds: 2, lagMessages: 10 },
        { lagSeconds: null, lagMessages: 30 },
      ],
      (id) => categories[id],
    );
    expect(s).toMatchObject({
      inPerSec: 50,
      outPerSec: 36,
      errorsPerSec: 4,
      maxLagSeconds: 2,
      maxLagMessages: 30,
      freshnessSeconds: 3,
      health: "warn",
    });
    expect(s.errorRatePercent).toBeCloseTo((4 / 140) * 100);
  });

  it("merges the runners' last errors newest first, bounded", () => {
    const node = (at: number[]) => ({
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
      status: "running" as const,
      lastError: null,
      lastErrors: at.map((t) => ({ at: t, message: `e${t}` })),
    });
    const snap = (runnerId: string, at: number[]): MetricsSnapshotV1 => ({
      version: "v1",
      pipelineId: "p",
      deploymentId: "d",
      runnerId,
      at: 1,
      uptimeSeconds: 1,
      nodes: { n: node(at) },
      edges: [],
      fusedEdgeIds: [],
    });
    const merged = mergeSnapshots([snap("a", [1, 3, 5]), snap("b", [2, 4, 6])]);
    expect(merged?.nodes.n?.lastErrors?.map((e) => e.at)).toEqual([6, 5, 4, 3, 2]);
  });
});
