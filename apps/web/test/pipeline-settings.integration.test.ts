// Per-pipeline topic and batch settings (validated, refused where existing topics cannot take them,
// carried by export/import and snapshotted by deploy), the deploy start position, and the status
// endpoint's per-node view, through tRPC and the public HTTP API.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineGraph } from "@sluice/shared";
import { handlePublicApi } from "@/server/public-api/handle";
import { kafka } from "@/server/kafka";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
const createdTopics: string[] = [];

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await kafka().admin.deleteTopics(createdTopics);
  await prisma.$disconnect();
});

async function errorOf(p: Promise<unknown>): Promise<TRPCError | null> {
  try {
    await p;
    return null;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
}

const node = (id: string, type: string, config: Record<string, unknown>, x: number) =>
  ({ id, type, typeVersion: 1, config, position: { x, y: 0 } }) as PipelineGraph["nodes"][number];
const stateless: PipelineGraph = {
  nodes: [node("gen", "generator", {}, 0), node("out", "kafka-sink", { topic: "settings-out" }, 300)],
  edges: [{ id: "e", source: "gen", sourcePort: "out", target: "out", targetPort: "in" }],
};
const stateful: PipelineGraph = {
  nodes: [
    node("gen", "generator", {}, 0),
    node("dedup", "dedup", { key: "event.id", window: "10m" }, 300),
    node("out", "kafka-sink", { topic: "settings-out" }, 600),
  ],
  edges: [
    { id: "e1", source: "gen", sourcePort: "out", target: "dedup", targetPort: "in" },
    { id: "e2", source: "dedup", sourcePort: "out", target: "out", targetPort: "in" },
  ],
};

async function pipelineWith(graph: PipelineGraph, name: string) {
  const editor = callerFor(f.users.editor);
  const { id } = await editor.pipeline.create({ workspaceId: f.ws.id, name });
  await editor.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: id, graph, baseRevision: 0 });
  return id;
}

/** A topic as the runner would have made it for this pipeline. */
async function existingTopic(pipelineId: string, partitions: number) {
  const topic = `sluice.${f.ws.id}.${pipelineId}.gen.out`;
  await kafka().admin.createTopics([{ topic, partitions }]);
  createdTopics.push(topic);
}

describe("pipeline settings", () => {
  it("saves valid settings for editors, refuses bad input with the reason and changes nothing", async () => {
    const editor = callerFor(f.users.editor);
    const id = await pipelineWith(stateless, "Settings");
    const settings = {
      topics: { partitions: 3, retentionHours: 48, replicationFactor: 1 },
      batch: { maxRecords: 100, lingerMs: 5 },
    };
    await editor.pipeline.updateSettings({ workspaceId: f.ws.id, pipelineId: id, settings });
    expect((await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id })).settings).toEqual(settings);

    const bad = await errorOf(
      editor.pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: id,
        settings: { topics: { partitions: 0 }, batch: {} },
      }),
    );
    expect(bad?.code).toBe("BAD_REQUEST");
    expect(bad?.message).toContain("At least 1 partition");
    const unknown = await errorOf(
      editor.pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: id,
        settings: { topics: { partitons: 4 }, batch: {} } as never,
      }),
    );
    expect(unknown?.code).toBe("BAD_REQUEST");
    const viewer = await errorOf(
      callerFor(f.users.viewer).pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: id,
        settings: { topics: {}, batch: {} },
      }),
    );
    expect(viewer?.code).toBe("FORBIDDEN");
    const stranger = await errorOf(
      callerFor(f.stranger).pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: id,
        settings: { topics: {}, batch: {} },
      }),
    );
    expect(stranger?.code).toBe("NOT_FOUND");
    expect((await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id })).settings).toEqual(settings);

    // Export carries them; import restores them.
    const doc = await editor.pipeline.exportDocument({ workspaceId: f.ws.id, pipelineId: id });
    expect(doc.settings).toEqual(settings);
    const copy = await editor.pipeline.importDocument({ workspaceId: f.ws.id, document: doc, name: "Settings copy" });
    expect((await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: copy.id })).settings).toEqual(settings);
  });

  it("refuses partition changes the existing topics cannot take", async () => {
    const editor = callerFor(f.users.editor);
    const keyed = await pipelineWith(stateful, "Keyed");
    await existingTopic(keyed, 2);
    const grow = await errorOf(
      editor.pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: keyed,
        settings: { topics: { partitions: 4 }, batch: {} },
      }),
    );
    expect(grow?.code).toBe("PRECONDITION_FAILED");
    expect(grow?.message).toContain("dedup");
    const shrink = await errorOf(
      editor.pipeline.updateSettings({
        workspaceId: f.ws.id,
        pipelineId: keyed,
        settings: { topics: { partitions: 1 }, batch: {} },
      }),
    );
    expect(shrink?.message).toContain("cannot reduce");
    expect((await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: keyed })).settings).toEqual({
      topics: {},
      batch: {},
    });
    // Same partitions, other settings: fine.
    await editor.pipeline.updateSettings({
      workspaceId: f.ws.id,
      pipelineId: keyed,
      settings: { topics: { partitions: 2, retentionHours: 12 }, batch: {} },
    });

    // Without keyed state, growing is allowed (the runner adds the partitions on the next deploy).
    const plain = await pipelineWith(stateless, "Plain");
    await existingTopic(plain, 2);
    await editor.pipeline.updateSettings({
      workspaceId: f.ws.id,
      pipelineId: plain,
      settings: { topics: { partitions: 4 }, batch: {} },
    });
  });

  it("deploys with a start position and the settings of the moment; status shows them and the nodes", async () => {
    const admin = callerFor(f.users.admin);
    const id = await pipelineWith(stateless, "Deploy settings");
    const settings = { topics: { partitions: 2, retentionHours: 6 }, batch: { maxBytes: 65_536 } };
    await admin.pipeline.updateSettings({ workspaceId: f.ws.id, pipelineId: id, settings });
    const v = await admin.version.publish({ workspaceId: f.ws.id, pipelineId: id, message: "go", baseRevision: 1 });
    const d = await admin.deployment.deploy({
      workspaceId: f.ws.id,
      pipelineId: id,
      versionId: v.id,
      startFrom: "earliest",
    });
    expect(d.startFrom).toBe("earliest");
    expect(d.settings).toEqual(settings);
    // Later changes wait for the next deploy.
    await admin.pipeline.updateSettings({
      workspaceId: f.ws.id,
      pipelineId: id,
      settings: { topics: { partitions: 3 }, batch: {} },
    });
    expect((await prisma.deployment.findUniqueOrThrow({ where: { id: d.id } })).settings).toEqual(settings);
    // What a runner writes back is what status reports.
    await prisma.deployment.update({
      where: { id: d.id },
      data: {
        status: "failing",
        statusReason: "node out: broker down",
        nodeStatus: { gen: { state: "running" }, out: { state: "failing", reason: "broker down" } },
      },
    });
    const status = await admin.deployment.status({ workspaceId: f.ws.id, pipelineId: id });
    expect(status).toMatchObject({
      status: "failing",
      statusReason: "node out: broker down",
      startFrom: "earliest",
      nodeStatus: { out: { state: "failing", reason: "broker down" } },
    });

    // The public API: same procedures, with a token.
    const token = (await admin.personalToken.create({ workspaceId: f.ws.id, name: "ci", expiresInDays: 1 })).token;
    const call = (method: string, path: string, body?: unknown) =>
      handlePublicApi(
        new Request(`http://localhost/api/v1${path}`, {
          method,
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        path,
      );
    const apiStatus = (await (await call("GET", `/pipelines/${id}/status`)).json()) as {
      nodeStatus: Record<string, { state: string }>;
    };
    expect(apiStatus.nodeStatus["out"]?.state).toBe("failing");
    expect((await call("PUT", `/pipelines/${id}/settings`, { topics: { partitions: "many" } })).status).toBe(400);
    expect(
      (await call("PUT", `/pipelines/${id}/settings`, { topics: { partitions: 3, retentionHours: 24 } })).status,
    ).toBe(200);
    const redeployed = await call("POST", `/pipelines/${id}/deploy`, { versionId: v.id, startFrom: "latest" });
    expect(redeployed.status).toBe(201);
    expect(((await redeployed.json()) as { startFrom: string; settings: unknown }).settings).toEqual({
      topics: { partitions: 3, retentionHours: 24 },
      batch: {},
    });
    const redeployedId = (
      await prisma.deployment.findFirstOrThrow({ where: { pipelineId: id, desiredState: "running" } })
    ).id;
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: id });
    // No runner ever picked it up: nothing to drain, so it is stopped at once rather than pending forever.
    expect((await prisma.deployment.findUniqueOrThrow({ where: { id: redeployedId } })).status).toBe("stopped");
  });
});
