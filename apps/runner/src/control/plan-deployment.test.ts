import { describe, expect, it } from "vitest";
import { compilePlan, DEFAULT_TOPIC_SETTINGS } from "@sluice/shared";
import { graph } from "../../test/graphs";
import { ownPlan, planDeployment, shouldStart } from "./plan-deployment";

const ingestToRedis = graph(
  [
    { id: "ingest", type: "http-ingest", config: { pathKey: "web-events", apiKeyId: "k1" } },
    { id: "key", type: "key-by" },
    { id: "sink", type: "redis-sink" },
  ],
  [
    ["ingest", "key"],
    ["key", "sink"],
  ],
);
const row = (settings: unknown = {}, g: unknown = ingestToRedis) => ({
  workspaceId: "ws1",
  pipelineId: "p1",
  settings,
  workspace: { slug: "acme", kafkaConnections: [] },
  version: { graph: g },
});

describe("planDeployment", () => {
  it("compiles the version's graph with the cluster's topic settings, overridden by the pipeline's own", () => {
    const { planned, settings } = planDeployment(row({ topics: { partitions: 3 } }), {
      ...DEFAULT_TOPIC_SETTINGS,
      partitions: 12,
      replicationFactor: 3,
    });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.settings.partitions).toBe(3);
    expect(planned.plan.settings.replicationFactor).toBe(3);
    expect(settings.topics.partitions).toBe(3);
  });

  it("answers why a graph cannot be planned instead of throwing", () => {
    const { planned } = planDeployment(row({}, { nodes: [], edges: "not a list" }), DEFAULT_TOPIC_SETTINGS);
    expect(planned.ok).toBe(false);
  });

  it("refuses a plan that names a topic outside its workspace", () => {
    const compiled = compilePlan({ workspaceId: "ws1", workspaceSlug: "acme", pipelineId: "p1", graph: ingestToRedis });
    if (!compiled.ok) throw new Error(compiled.reason);
    const foreign = {
      ok: true as const,
      plan: {
        ...compiled.plan,
        ingest: compiled.plan.ingest.map((i) => ({ ...i, topic: "sluice.other-ws.p9.ingest.out" })),
      },
    };
    const result = ownPlan(foreign);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("sluice.other-ws.p9.ingest.out") });
  });
});

describe("shouldStart", () => {
  const at = new Date("2026-01-01T00:00:00Z");
  const running = (deploymentId: string, pipelineId: string) =>
    new Map([[deploymentId, { spec: { deploymentId, pipelineId } } as never]]);

  it("starts a wanted deployment that does not run here", () => {
    expect(shouldStart({ id: "d1", pipelineId: "p1", updatedAt: at }, new Map(), new Map())).toBe(true);
  });

  it("does not start one already running, nor a redeploy while the old version still runs here", () => {
    expect(shouldStart({ id: "d1", pipelineId: "p1", updatedAt: at }, running("d1", "p1"), new Map())).toBe(false);
    expect(shouldStart({ id: "d2", pipelineId: "p1", updatedAt: at }, running("d1", "p1"), new Map())).toBe(false);
    expect(shouldStart({ id: "d2", pipelineId: "p2", updatedAt: at }, running("d1", "p1"), new Map())).toBe(true);
  });

  it("retries an unplannable deployment only once its row changed", () => {
    const unplannable = new Map([["d1", at]]);
    expect(shouldStart({ id: "d1", pipelineId: "p1", updatedAt: at }, new Map(), unplannable)).toBe(false);
    expect(
      shouldStart({ id: "d1", pipelineId: "p1", updatedAt: new Date(at.getTime() + 1) }, new Map(), unplannable),
    ).toBe(true);
  });
});
