import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickstreamAnalyticsTemplate, type PipelineGraph } from "@sluice/shared";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
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

const valid: PipelineGraph = {
  nodes: [
    { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
    {
      id: "clicks",
      type: "filter",
      typeVersion: 1,
      config: { condition: 'event.type == "click"' },
      position: { x: 250, y: 0 },
    },
    { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "clicks-out" }, position: { x: 500, y: 0 } },
  ],
  edges: [
    { id: "e1", source: "gen", sourcePort: "out", target: "clicks", targetPort: "in" },
    { id: "e2", source: "clicks", sourcePort: "out", target: "out", targetPort: "in" },
  ],
};

describe("pipelines", () => {
  it("creates, saves drafts with optimistic concurrency, and reports problems", async () => {
    const editor = callerFor(f.users.editor);
    const { id } = await editor.pipeline.create({ workspaceId: f.ws.id, name: "Clicks" });
    const p = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    expect(p.draft).toEqual({ nodes: [], edges: [] });
    const saved = await editor.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: valid,
      baseRevision: p.draftRevision,
    });
    expect(saved.revision).toBe(p.draftRevision + 1);
    expect(saved.problems.filter((x) => x.severity === "error")).toEqual([]);

    // A second editor still holding the old revision gets a conflict, and nothing is overwritten.
    const other = callerFor(f.users.admin);
    const conflict = await errorOf(
      other.pipeline.saveDraft({
        workspaceId: f.ws.id,
        pipelineId: id,
        graph: { nodes: [], edges: [] },
        baseRevision: p.draftRevision,
      }),
    );
    expect(conflict?.code).toBe("CONFLICT");
    expect(conflict?.message).toMatch(/newer draft/);
    expect((await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id })).draft.nodes).toHaveLength(3);

    // Two concurrent saves from the same base: exactly one wins.
    const base = saved.revision;
    const results = await Promise.allSettled([
      editor.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: id, graph: valid, baseRevision: base }),
      other.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: id, graph: valid, baseRevision: base }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);

    const broken: PipelineGraph = {
      ...valid,
      nodes: valid.nodes.map((n) => (n.id === "clicks" ? { ...n, config: { condition: "event.type ==" } } : n)),
    };
    const cur = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    const res = await editor.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: broken,
      baseRevision: cur.draftRevision,
    });
    expect(res.problems.some((x) => x.nodeId === "clicks" && x.severity === "error")).toBe(true);
  });

  it("publishes immutable versions, refuses invalid drafts, diffs and restores", async () => {
    const editor = callerFor(f.users.editor);
    const { id } = await editor.pipeline.create({ workspaceId: f.ws.id, name: "Versioned" });
    let p = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    expect(
      (
        await errorOf(
          editor.version.publish({
            workspaceId: f.ws.id,
            pipelineId: id,
            message: "empty",
            baseRevision: p.draftRevision,
          }),
        )
      )?.code,
    ).toBe("BAD_REQUEST");
    await editor.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: valid,
      baseRevision: p.draftRevision,
    });
    p = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    const v1 = await editor.version.publish({
      workspaceId: f.ws.id,
      pipelineId: id,
      message: "first",
      baseRevision: p.draftRevision,
    });
    expect(v1.number).toBe(1);
    const changed: PipelineGraph = {
      ...valid,
      nodes: valid.nodes.map((n) => (n.id === "clicks" ? { ...n, config: { condition: 'event.type == "view"' } } : n)),
    };
    await editor.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: changed,
      baseRevision: p.draftRevision,
    });
    p = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    const v2 = await editor.version.publish({
      workspaceId: f.ws.id,
      pipelineId: id,
      message: "views",
      baseRevision: p.draftRevision,
    });
    expect(v2.number).toBe(2);

    const diff = await editor.version.diff({ workspaceId: f.ws.id, fromVersionId: v1.id, toVersionId: v2.id });
    expect(diff.nodes.changed).toEqual([
      {
        nodeId: "clicks",
        label: "filter",
        changes: [{ path: "config.condition", before: 'event.type == "click"', after: 'event.type == "view"' }],
      },
    ]);

    const restored = await editor.version.restore({
      workspaceId: f.ws.id,
      versionId: v1.id,
      baseRevision: p.draftRevision,
    });
    const after = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    expect(after.draftRevision).toBe(restored.revision);
    expect(after.draft.nodes.find((n) => n.id === "clicks")?.config.condition).toBe('event.type == "click"');
    // Versions never change.
    expect(
      (await editor.version.get({ workspaceId: f.ws.id, versionId: v2.id })).graph.nodes.find((n) => n.id === "clicks")
        ?.config.condition,
    ).toBe('event.type == "view"');
    expect((await editor.version.list({ workspaceId: f.ws.id, pipelineId: id })).map((v) => v.number)).toEqual([2, 1]);
  });

  it("exports and imports documents, refusing invalid ones with clear errors", async () => {
    const editor = callerFor(f.users.editor);
    const { id } = await editor.pipeline.create({
      workspaceId: f.ws.id,
      name: "From template",
      templateId: clickstreamAnalyticsTemplate.id,
    });
    const doc = await editor.pipeline.exportDocument({ workspaceId: f.ws.id, pipelineId: id });
    expect(doc.format).toBe("sluice.pipeline");
    const imported = await editor.pipeline.importDocument({ workspaceId: f.ws.id, document: doc, name: "Imported" });
    const copy = await editor.pipeline.get({ workspaceId: f.ws.id, pipelineId: imported.id });
    expect(copy.draft).toEqual(doc.graph);

    const before = await prisma.pipeline.count({ where: { workspaceId: f.ws.id } });
    const bad1 = await errorOf(editor.pipeline.importDocument({ workspaceId: f.ws.id, document: { hello: "world" } }));
    expect(bad1?.code).toBe("BAD_REQUEST");
    expect(bad1?.message).toMatch(/format/);
    const bad2 = await errorOf(
      editor.pipeline.importDocument({
        workspaceId: f.ws.id,
        document: {
          ...doc,
          graph: {
            nodes: [{ id: "x", type: "teleporter", typeVersion: 1, config: {}, position: { x: 0, y: 0 } }],
            edges: [],
          },
        },
      }),
    );
    expect(bad2?.code).toBe("BAD_REQUEST");
    expect(bad2?.message).toMatch(/teleporter/);
    expect(await prisma.pipeline.count({ where: { workspaceId: f.ws.id } })).toBe(before);
  });

  it("previews a draft through the shared cores without deploying", async () => {
    const res = await callerFor(f.users.editor).pipeline.preview({
      workspaceId: f.ws.id,
      graph: valid,
      generate: { count: 40 },
    });
    expect(res.results.gen?.status).toBe("ran");
    const generated = res.results.gen?.outputs.out?.length ?? 0;
    expect(generated).toBeGreaterThan(0);
    const clicks = res.results.clicks?.outputs.out ?? [];
    expect(clicks.every((e) => e.type === "click")).toBe(true);
    expect(res.results.out?.writes?.length).toBe(clicks.length);
  });

  it("deploys only published versions with real credentials, and stops", async () => {
    const admin = callerFor(f.users.admin);
    const { id } = await admin.pipeline.create({ workspaceId: f.ws.id, name: "Deployable" });
    const p = await admin.pipeline.get({ workspaceId: f.ws.id, pipelineId: id });
    await admin.pipeline.saveDraft({
      workspaceId: f.ws.id,
      pipelineId: id,
      graph: valid,
      baseRevision: p.draftRevision,
    });
    const v = await admin.version.publish({
      workspaceId: f.ws.id,
      pipelineId: id,
      message: "go",
      baseRevision: p.draftRevision + 1,
    });
    const d1 = await admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: id, versionId: v.id });
    expect(d1.desiredState).toBe("running");
    const d2 = await admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: id, versionId: v.id });
    expect(await prisma.deployment.count({ where: { pipelineId: id, desiredState: "running" } })).toBe(1);
    expect((await admin.deployment.status({ workspaceId: f.ws.id, pipelineId: id }))?.id).toBe(d2.id);
    expect((await errorOf(admin.pipeline.delete({ workspaceId: f.ws.id, pipelineId: id })))?.code).toBe(
      "PRECONDITION_FAILED",
    );
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: id });
    expect(await prisma.deployment.count({ where: { pipelineId: id, desiredState: "running" } })).toBe(0);

    // Templates carry placeholder credentials: publishing them unchanged is refused, naming the nodes.
    const t = await admin.pipeline.create({
      workspaceId: f.ws.id,
      name: "Template",
      templateId: clickstreamAnalyticsTemplate.id,
    });
    const tp = await admin.pipeline.get({ workspaceId: f.ws.id, pipelineId: t.id });
    expect(tp.draft.nodes.find((n) => n.id === "ingest")?.config.pathKey).toMatch(/^web-clickstream-[0-9a-f]{6}$/);
    const unpublished = await errorOf(
      admin.version.publish({
        workspaceId: f.ws.id,
        pipelineId: t.id,
        message: "as is",
        baseRevision: tp.draftRevision,
      }),
    );
    expect(unpublished?.code).toBe("BAD_REQUEST");
    expect(unpublished?.message).toMatch(/no API key "select-api-key"/);
    expect((unpublished?.cause as { nodeIds?: string[] } | undefined)?.nodeIds).toEqual([
      "ingest",
      "mask",
      "counts-table",
      "sessions-table",
    ]);
  });

  it("creates a template with picked credentials that deploys as created, and refuses once a credential is gone", async () => {
    const admin = callerFor(f.users.admin);
    const key = await admin.apiKey.create({ workspaceId: f.ws.id, name: "template key" });
    const salt = await admin.secret.create({
      workspaceId: f.ws.id,
      name: `salt-${Date.now().toString(36)}`,
      value: "pepper",
    });
    const pg = await admin.secret.create({
      workspaceId: f.ws.id,
      name: `pg-${Date.now().toString(36)}`,
      value: "postgresql://127.0.0.1/nowhere",
    });
    const t = await admin.pipeline.create({
      workspaceId: f.ws.id,
      name: "Template bound",
      templateId: clickstreamAnalyticsTemplate.id,
      credentials: {
        "select-api-key": key.id,
        "select-pii-salt-secret": salt.id,
        "select-warehouse-connection": pg.id,
      },
    });
    const tp = await admin.pipeline.get({ workspaceId: f.ws.id, pipelineId: t.id });
    const tv = await admin.version.publish({
      workspaceId: f.ws.id,
      pipelineId: t.id,
      message: "as created",
      baseRevision: tp.draftRevision,
    });
    await admin.secret.delete({ workspaceId: f.ws.id, secretId: salt.id });
    const refused = await errorOf(
      admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: t.id, versionId: tv.id }),
    );
    expect(refused?.code).toBe("PRECONDITION_FAILED");
    expect(refused?.message).toMatch(/Hash salt of "Mask PII": no secret/);
    expect((refused?.cause as { nodeIds?: string[] } | undefined)?.nodeIds).toEqual(["mask"]);
    const salt2 = await admin.secret.create({
      workspaceId: f.ws.id,
      name: `salt2-${Date.now().toString(36)}`,
      value: "pepper",
    });
    const graph = {
      ...tp.draft,
      nodes: tp.draft.nodes.map((n) =>
        n.id === "mask" ? { ...n, config: { ...n.config, saltSecretId: salt2.id } } : n,
      ),
    };
    await admin.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: t.id, graph, baseRevision: tp.draftRevision });
    const tv2 = await admin.version.publish({
      workspaceId: f.ws.id,
      pipelineId: t.id,
      message: "new salt",
      baseRevision: tp.draftRevision + 1,
    });
    expect(
      (await admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: t.id, versionId: tv2.id })).desiredState,
    ).toBe("running");
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: t.id });
  });

  it("refuses to deploy a second running pipeline on the same ingest path key", async () => {
    const admin = callerFor(f.users.admin);
    const key = await admin.apiKey.create({ workspaceId: f.ws.id, name: "ingest" });
    const pathKey = `path-${Date.now().toString(36)}`;
    const ingestGraph: PipelineGraph = {
      nodes: [
        {
          id: "in",
          type: "http-ingest",
          typeVersion: 1,
          config: { pathKey, apiKeyId: key.id },
          position: { x: 0, y: 0 },
        },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "ingested" }, position: { x: 300, y: 0 } },
      ],
      edges: [{ id: "e", source: "in", sourcePort: "out", target: "out", targetPort: "in" }],
    };
    const deployNew = async (name: string) => {
      const { id } = await admin.pipeline.create({ workspaceId: f.ws.id, name });
      await admin.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: id, graph: ingestGraph, baseRevision: 0 });
      const v = await admin.version.publish({ workspaceId: f.ws.id, pipelineId: id, message: "", baseRevision: 1 });
      return { id, deploy: () => admin.deployment.deploy({ workspaceId: f.ws.id, pipelineId: id, versionId: v.id }) };
    };
    const first = await deployNew("Ingest A");
    await first.deploy();
    const second = await deployNew("Ingest B");
    const err = await errorOf(second.deploy());
    expect(err?.code).toBe("CONFLICT");
    expect(err?.message).toMatch(pathKey);
    await first.deploy(); // redeploying the same pipeline is fine
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: first.id });
    await second.deploy(); // free again once the first stopped
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: second.id });
  });

  it("IDOR: another team's pipelines, versions and deployments are not found", async () => {
    const theirs = callerFor(f.stranger);
    const { id } = await theirs.pipeline.create({ workspaceId: f.other.id, name: "Theirs" });
    const tp = await theirs.pipeline.get({ workspaceId: f.other.id, pipelineId: id });
    await theirs.pipeline.saveDraft({
      workspaceId: f.other.id,
      pipelineId: id,
      graph: valid,
      baseRevision: tp.draftRevision,
    });
    const tv = await theirs.version.publish({
      workspaceId: f.other.id,
      pipelineId: id,
      message: "x",
      baseRevision: tp.draftRevision + 1,
    });
    await theirs.deployment.deploy({ workspaceId: f.other.id, pipelineId: id, versionId: tv.id });
    const me = callerFor(f.users.owner);
    const ws = f.ws.id;
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => me.pipeline.get({ workspaceId: ws, pipelineId: id })],
      ["rename", () => me.pipeline.rename({ workspaceId: ws, pipelineId: id, name: "mine" })],
      ["delete", () => me.pipeline.delete({ workspaceId: ws, pipelineId: id })],
      ["duplicate", () => me.pipeline.duplicate({ workspaceId: ws, pipelineId: id })],
      ["saveDraft", () => me.pipeline.saveDraft({ workspaceId: ws, pipelineId: id, graph: valid, baseRevision: 1 })],
      ["export", () => me.pipeline.exportDocument({ workspaceId: ws, pipelineId: id })],
      ["version.get", () => me.version.get({ workspaceId: ws, versionId: tv.id })],
      ["version.diff", () => me.version.diff({ workspaceId: ws, fromVersionId: tv.id, toVersionId: tv.id })],
      ["version.restore", () => me.version.restore({ workspaceId: ws, versionId: tv.id, baseRevision: 1 })],
      ["version.publish", () => me.version.publish({ workspaceId: ws, pipelineId: id, message: "", baseRevision: 1 })],
      ["deploy", () => me.deployment.deploy({ workspaceId: ws, pipelineId: id, versionId: tv.id })],
      ["stop", () => me.deployment.stop({ workspaceId: ws, pipelineId: id })],
    ];
    for (const [name, call] of calls) expect((await errorOf(call()))?.code, name).toBe("NOT_FOUND");
    expect(await me.version.list({ workspaceId: ws, pipelineId: id })).toEqual([]);
    expect(await me.deployment.status({ workspaceId: ws, pipelineId: id })).toBeNull();
    const still = await prisma.pipeline.findUniqueOrThrow({ where: { id } });
    expect(still.name).toBe("Theirs");
    expect(await prisma.deployment.count({ where: { pipelineId: id, desiredState: "running" } })).toBe(1);
  });
});
