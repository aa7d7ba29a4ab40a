// Read API keys and views in the control plane: a read key is issued with its own prefix and scope,
// cannot be publishable, cannot be an http-ingest node's key; a view name is served by one running
// pipeline of a workspace at a time (another workspace may use the same name).
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineGraph } from "@sluice/shared";
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

describe("read keys and views", () => {
  it("issues read keys with their own prefix and scope, never publishable", async () => {
    const admin = callerFor(f.users.admin);
    const read = await admin.apiKey.create({ workspaceId: f.ws.id, name: "backend reader", scope: "read" });
    expect(read.token).toMatch(/^slr_/);
    const ingest = await admin.apiKey.create({ workspaceId: f.ws.id, name: "tracker" });
    expect(ingest.token).toMatch(/^slk_/);
    const listed = await admin.apiKey.list({ workspaceId: f.ws.id });
    expect(listed.find((k) => k.id === read.id)?.scope).toBe("read");
    expect(listed.find((k) => k.id === ingest.id)?.scope).toBe("ingest");
    const refused = await errorOf(
      admin.apiKey.create({
        workspaceId: f.ws.id,
        name: "page reader",
        scope: "read",
        publishable: true,
        allowedOrigins: ["https://shop.example.com"],
      }),
    );
    expect(refused?.code).toBe("BAD_REQUEST");
  });

  it("does not let an http-ingest node use a read key", async () => {
    const admin = callerFor(f.users.admin);
    const read = await admin.apiKey.create({ workspaceId: f.ws.id, name: "reader for ingest", scope: "read" });
    const { id } = await admin.pipeline.create({ workspaceId: f.ws.id, name: "Ingest with a read key" });
    const graph: PipelineGraph = {
      nodes: [
        {
          id: "in",
          type: "http-ingest",
          typeVersion: 1,
          config: { pathKey: `rk-${Date.now().toString(36)}`, apiKeyId: read.id },
          position: { x: 0, y: 0 },
        },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "ingested" }, position: { x: 300, y: 0 } },
      ],
      edges: [{ id: "e", source: "in", sourcePort: "out", target: "out", targetPort: "in" }],
    };
    await admin.pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId: id, graph, baseRevision: 0 });
    const err = await errorOf(
      admin.version.publish({ workspaceId: f.ws.id, pipelineId: id, message: "", baseRevision: 1 }),
    );
    expect(err).not.toBeNull();
    expect(err?.message).toMatch(/API key/);
  });

  it("refuses a view name another running pipeline of the workspace serves", async () => {
    const admin = callerFor(f.users.admin);
    const stranger = callerFor(f.stranger);
    const secret = await admin.secret.create({
      workspaceId: f.ws.id,
      name: `views-db-${Date.now().toString(36)}`,
      value: "postgresql://u:p@db.example.com:5432/app",
    });
    const theirSecret = await stranger.secret.create({
      workspaceId: f.other.id,
      name: `views-db-${Date.now().toString(36)}`,
      value: "postgresql://u:p@db.example.com:5432/app",
    });
    const viewGraph = (secretId: string): PipelineGraph => ({
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: "sink",
          type: "postgres-sink",
          typeVersion: 1,
          config: {
            connectionSecretId: secretId,
            table: "last_seen",
            mode: "upsert",
            keyColumns: ["user_id"],
            columns: [
              { column: "user_id", expression: "event.userId" },
              { column: "last_type", expression: "event.type" },
            ],
            viewName: "last-seen",
          },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: "e", source: "gen", sourcePort: "out", target: "sink", targetPort: "in" }],
    });
    const deployNew = async (caller: typeof admin, workspaceId: string, secretId: string, name: string) => {
      const { id } = await caller.pipeline.create({ workspaceId, name });
      await caller.pipeline.saveDraft({ workspaceId, pipelineId: id, graph: viewGraph(secretId), baseRevision: 0 });
      const v = await caller.version.publish({ workspaceId, pipelineId: id, message: "", baseRevision: 1 });
      return { id, deploy: () => caller.deployment.deploy({ workspaceId, pipelineId: id, versionId: v.id }) };
    };
    const first = await deployNew(admin, f.ws.id, secret.id, "Views A");
    await first.deploy();
    const second = await deployNew(admin, f.ws.id, secret.id, "Views B");
    const err = await errorOf(second.deploy());
    expect(err?.code).toBe("CONFLICT");
    expect(err?.message).toMatch(/view name "last-seen"/);
    // Another workspace's views do not collide with these.
    const theirs = await deployNew(stranger, f.other.id, theirSecret.id, "Their views");
    expect((await theirs.deploy()).desiredState).toBe("running");
    await first.deploy(); // redeploying the same pipeline is fine
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: first.id });
    await second.deploy(); // free once the first stopped
    await admin.deployment.stop({ workspaceId: f.ws.id, pipelineId: second.id });
    await stranger.deployment.stop({ workspaceId: f.other.id, pipelineId: theirs.id });
  });
});
