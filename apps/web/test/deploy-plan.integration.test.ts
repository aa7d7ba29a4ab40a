// deployment.deploy compiles the plan the runner would run (compilePlan) before writing anything, and
// refuses a version the runner could not materialise with the nodes concerned, like a graph problem.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePlan, type PipelineGraph } from "@sluice/shared";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const at = { x: 0, y: 0 };
const window = (id: string, field: string) => ({
  id,
  type: "window",
  typeVersion: 1,
  config: {
    kind: "tumbling",
    size: "1m",
    watermarkDelay: "1s",
    groupBy: [{ name: "g", expression: `event.${field}` }],
    aggregations: [{ name: "events", function: "count" }],
  },
  position: at,
});
/** Valid as a graph, but one topic (the generator's output) would feed two windows that key it differently. */
const twoWindows: PipelineGraph = {
  nodes: [
    { id: "gen", type: "generator", typeVersion: 1, config: {}, position: at },
    window("by-type", "type"),
    window("by-user", "userId"),
    { id: "out-a", type: "kafka-sink", typeVersion: 1, config: { topic: "by-type" }, position: at },
    { id: "out-b", type: "kafka-sink", typeVersion: 1, config: { topic: "by-user" }, position: at },
  ],
  edges: [
    { id: "e1", source: "gen", sourcePort: "out", target: "by-type", targetPort: "in" },
    { id: "e2", source: "gen", sourcePort: "out", target: "by-user", targetPort: "in" },
    { id: "e3", source: "by-type", sourcePort: "out", target: "out-a", targetPort: "in" },
    { id: "e4", source: "by-user", sourcePort: "out", target: "out-b", targetPort: "in" },
  ],
};

async function errorOf(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("deploy runs the plan compiler", () => {
  it("refuses a version whose plan does not compile, naming its nodes, and writes no deployment", async () => {
    const admin = callerFor(f.users.admin);
    const { id } = await admin.pipeline.create({
      workspaceId: f.ws.id,
      name: `Two windows ${Date.now().toString(36)}`,
    });
    const saved = await admin.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: twoWindows,
      baseRevision: 0,
    });
    // The editor shows no error and publishing accepts it: only the plan compiler knows.
    expect(saved.problems.filter((p) => p.severity === "error")).toEqual([]);
    const v = await admin.version.publish({
      workspaceId: f.ws.id,
      pipelineId: id,
      message: "two windows",
      baseRevision: saved.revision,
    });
    expect(compilePlan({ workspaceId: f.ws.id, workspaceSlug: f.ws.slug, pipelineId: id, graph: twoWindows }).ok).toBe(
      false,
    );

    const refused = await errorOf(admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: id, versionId: v.id }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(
      /^Version 1 cannot run: topic .* feeds several windows\/sessions that key differently/,
    );
    expect((refused.cause as { nodeIds?: string[] } | undefined)?.nodeIds).toEqual(["by-type", "by-user"]);
    expect(await prisma.deployment.count({ where: { pipelineId: id } })).toBe(0);
    expect(
      await prisma.auditLog.count({
        where: { workspaceId: f.ws.id, resourceType: "deployment", summary: { path: ["pipelineId"], equals: id } },
      }),
    ).toBe(0);
  });

  it("deploys once a key-by in front of each window gives each its own topic", async () => {
    const admin = callerFor(f.users.admin);
    const { id } = await admin.pipeline.create({
      workspaceId: f.ws.id,
      name: `Keyed windows ${Date.now().toString(36)}`,
    });
    const keyBy = (nodeId: string, field: string) => ({
      id: nodeId,
      type: "key-by",
      typeVersion: 1,
      config: { key: `event.${field}` },
      position: at,
    });
    const fixed: PipelineGraph = {
      nodes: [...twoWindows.nodes, keyBy("key-type", "type"), keyBy("key-user", "userId")],
      edges: [
        { id: "e1", source: "gen", sourcePort: "out", target: "key-type", targetPort: "in" },
        { id: "e2", source: "gen", sourcePort: "out", target: "key-user", targetPort: "in" },
        { id: "e5", source: "key-type", sourcePort: "out", target: "by-type", targetPort: "in" },
        { id: "e6", source: "key-user", sourcePort: "out", target: "by-user", targetPort: "in" },
        ...twoWindows.edges.slice(2),
      ],
    };
    const saved = await admin.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: fixed,
      baseRevision: 0,
    });
    expect(saved.problems.filter((p) => p.severity === "error")).toEqual([]);
    const v = await admin.version.publish({
      workspaceId: f.ws.id,
      pipelineId: id,
      message: "keyed",
      baseRevision: saved.revision,
    });
    expect(
      (await admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: id, versionId: v.id })).desiredState,
    ).toBe("running");
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: id });
  });
});
