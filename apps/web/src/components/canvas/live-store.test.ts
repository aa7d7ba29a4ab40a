import { describe, expect, it } from "vitest";
import type { MetricsSnapshotV1, PipelineGraph } from "@sluice/shared";
import { CHART_REFRESH_MS, LiveStore } from "./live-store";

const graph: PipelineGraph = {
  nodes: [{ id: "f", type: "filter", typeVersion: 1, config: {}, position: { x: 0, y: 0 } }],
  edges: [],
};
const snap = (at: number, inPerSec: number): MetricsSnapshotV1 => ({
  version: "v1",
  pipelineId: "p",
  deploymentId: "d",
  runnerId: "r",
  at,
  uptimeSeconds: 1,
  nodes: {
    f: {
      inPerSec,
      outPerSec: inPerSec,
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
    },
  },
  edges: [],
  fusedEdgeIds: [],
});

describe("LiveStore", () => {
  it("notifies subscribers per snapshot, keeps entries stable between snapshots, and puts history before live samples", () => {
    const store = new LiveStore("ws", "p");
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.push(snap(100_000, 5), graph, "running");
    const first = store.node("f");
    expect(first).toMatchObject({ inPerSec: 5, status: "running" });
    expect(store.node("f")).toBe(first);
    store.seed([
      { t: 90_000, nodes: { f: { inPerSec: 1, outPerSec: 1, errorsPerSec: 0, p50: null, p99: null } } },
      { t: 100_000, nodes: { f: { inPerSec: 2, outPerSec: 2, errorsPerSec: 0, p50: null, p99: null } } },
    ]);
    const charted = store.samples("f");
    expect(charted?.map((s) => [s.t, s.in])).toEqual([
      [90_000, 1],
      [100_000, 5],
    ]);
    // Numbers follow every snapshot; charts only every CHART_REFRESH_MS.
    store.push(snap(101_000, 7), graph, "running");
    expect(store.node("f")?.inPerSec).toBe(7);
    expect(store.samples("f")).toBe(charted);
    store.push(snap(100_000 + CHART_REFRESH_MS, 9), graph, "running");
    expect(store.samples("f")?.map((s) => s.in)).toEqual([1, 5, 7, 9]);
    expect(calls).toBe(4);
    unsubscribe();
    store.push(snap(200_000, 7), graph, "running");
    expect(calls).toBe(4);
    expect(store.tapHref("gen", "out")).toBe("/w/ws/monitor/p/tap?node=gen&port=out");
    expect(store.deadLettersHref("a b")).toBe("/w/ws/monitor/p/dead-letters?node=a%20b");
  });
});
