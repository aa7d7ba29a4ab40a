// Every mutation writes an audit row. The walk lists the router's mutating procedures and the public
// API's mutating routes, runs each once with input that succeeds, and fails when a call wrote no row,
// and when a mutation or route has no step here (a new one must be added, which means auditing it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicRoutes } from "@/server/public-api/routes";
import { handlePublicApi } from "@/server/public-api/handle";
import { listProcedures } from "@/server/routers/procedures";
import { addMember, callerFor, createUser, prisma, teamFixture, type TestUser } from "./fixtures";

/** Mutations that change nothing anyone owns; each needs its reason. */
const NOT_STATE_CHANGING: Record<string, string> = {
  "pipeline.preview": "runs sample events through the draft in memory; stores nothing",
  "schemaRegistry.test": "reads the registry's subjects and compatibility mode; stores nothing",
};

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
afterAll(async () => {
  await prisma.$disconnect();
});
beforeAll(async () => {
  f = await teamFixture();
});

const graph = {
  nodes: [
    { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
    { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "audit-walk-out" }, position: { x: 300, y: 0 } },
  ],
  edges: [{ id: "e", source: "gen", sourcePort: "out", target: "out", targetPort: "in" }],
};
const documentOf = (name: string) => ({ format: "sluice.pipeline", formatVersion: 1, name, description: "", graph });

async function lastAuditId(): Promise<bigint> {
  return (await prisma.auditLog.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}

/** Runs one call and answers the successful audit rows it wrote. */
async function audited(call: () => Promise<unknown>) {
  const before = await lastAuditId();
  await call();
  return prisma.auditLog.findMany({ where: { id: { gt: before }, outcome: "success" } });
}

describe("every mutation writes an audit row", () => {
  it("walks every mutating tRPC procedure", async () => {
    const { owner, admin, editor, viewer } = f.users as Record<string, TestUser>;
    const ws = f.ws.id;
    const as = (u: TestUser) => callerFor(u);
    const o = as(owner!);
    const state: Record<string, string> = {};
    // In call order: later steps use what earlier ones created.
    const steps: [path: string, run: () => Promise<unknown>][] = [
      ["workspace.create", async () => (state.ownWs = (await as(editor!).workspace.create({ name: "Walk spare" })).id)],
      ["workspace.rename", () => o.workspace.rename({ workspaceId: ws, name: "Walk team" })],
      [
        "pipeline.create",
        async () => (state.pipeline = (await o.pipeline.create({ workspaceId: ws, name: "Walk" })).id),
      ],
      [
        "pipeline.rename",
        () => o.pipeline.rename({ workspaceId: ws, pipelineId: state.pipeline!, name: "Walk renamed" }),
      ],
      [
        "pipeline.saveDraft",
        () => o.pipeline.saveDraft({ workspaceId: ws, pipelineId: state.pipeline!, baseRevision: 0, graph }),
      ],
      [
        "pipeline.updateSettings",
        () =>
          o.pipeline.updateSettings({
            workspaceId: ws,
            pipelineId: state.pipeline!,
            settings: { topics: { partitions: 2 }, batch: {} },
          }),
      ],
      [
        "pipeline.duplicate",
        async () => (state.copy = (await o.pipeline.duplicate({ workspaceId: ws, pipelineId: state.pipeline! })).id),
      ],
      [
        "pipeline.importDocument",
        () => o.pipeline.importDocument({ workspaceId: ws, document: documentOf("Walk import") }),
      ],
      [
        "version.publish",
        async () =>
          (state.version = (
            await o.version.publish({ workspaceId: ws, pipelineId: state.pipeline!, baseRevision: 1 })
          ).id),
      ],
      ["version.restore", () => o.version.restore({ workspaceId: ws, versionId: state.version!, baseRevision: 1 })],
      [
        "deployment.deploy",
        () => o.deployment.deploy({ workspaceId: ws, pipelineId: state.pipeline!, versionId: state.version! }),
      ],
      ["dlq.replay", () => o.dlq.replay({ workspaceId: ws, pipelineId: state.pipeline!, all: {} })],
      ["dlq.discard", () => o.dlq.discard({ workspaceId: ws, pipelineId: state.pipeline!, all: {} })],
      ["deployment.stop", () => o.deployment.stop({ workspaceId: ws, pipelineId: state.pipeline! })],
      [
        "alert.createRule",
        async () =>
          (state.rule = (
            await o.alert.createRule({
              workspaceId: ws,
              pipelineId: state.pipeline!,
              name: "Walk",
              kind: "lag_seconds",
              threshold: 30,
            })
          ).id),
      ],
      ["alert.updateRule", () => o.alert.updateRule({ workspaceId: ws, ruleId: state.rule!, threshold: 60 })],
      ["alert.deleteRule", () => o.alert.deleteRule({ workspaceId: ws, ruleId: state.rule! })],
      ["apiKey.create", async () => (state.apiKey = (await o.apiKey.create({ workspaceId: ws, name: "walk" })).id)],
      ["apiKey.revoke", () => o.apiKey.revoke({ workspaceId: ws, apiKeyId: state.apiKey! })],
      [
        "apiKey.setAllowedOrigins",
        async () => {
          const { id } = await o.apiKey.create({
            workspaceId: ws,
            name: "walk web",
            publishable: true,
            allowedOrigins: ["https://walk.example"],
          });
          return o.apiKey.setAllowedOrigins({
            workspaceId: ws,
            apiKeyId: id,
            allowedOrigins: ["https://shop.walk.example"],
          });
        },
      ],
      [
        "kafkaConnection.create",
        async () =>
          (state.connection = (
            await o.kafkaConnection.create({
              workspaceId: ws,
              name: "Walk cluster",
              config: { bootstrapServers: ["k:9092"], security: { protocol: "plaintext" } },
            })
          ).id),
      ],
      [
        "kafkaConnection.update",
        () =>
          o.kafkaConnection.update({
            workspaceId: ws,
            connectionId: state.connection!,
            name: "Walk cluster 2",
            config: { bootstrapServers: ["k2:9092"], security: { protocol: "plaintext" } },
          }),
      ],
      [
        "kafkaConnection.test",
        () =>
          o.kafkaConnection.test({
            workspaceId: ws,
            config: {
              bootstrapServers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
              security: { protocol: "plaintext" },
            },
          }),
      ],
      ["kafkaConnection.delete", () => o.kafkaConnection.delete({ workspaceId: ws, connectionId: state.connection! })],
      [
        "schemaRegistry.create",
        async () =>
          (state.registry = (
            await o.schemaRegistry.create({
              workspaceId: ws,
              name: "Walk registry",
              url: "https://registry.walk.example",
            })
          ).id),
      ],
      [
        "schemaRegistry.update",
        () =>
          o.schemaRegistry.update({
            workspaceId: ws,
            registryId: state.registry!,
            name: "Walk registry 2",
            url: "https://registry2.walk.example",
            credentials: { username: "walk", password: "walk-pw" },
          }),
      ],
      ["schemaRegistry.delete", () => o.schemaRegistry.delete({ workspaceId: ws, registryId: state.registry! })],
      [
        "secret.create",
        async () =>
          (state.secret = (
            await o.secret.create({ workspaceId: ws, name: "walk-secret", value: "postgres://walk:pw@db/walk" })
          ).id),
      ],
      [
        "secret.update",
        () => o.secret.update({ workspaceId: ws, secretId: state.secret!, value: "postgres://walk:pw2@db/walk" }),
      ],
      ["secret.delete", () => o.secret.delete({ workspaceId: ws, secretId: state.secret! })],
      [
        "personalToken.create",
        async () =>
          (state.token = (await o.personalToken.create({ workspaceId: ws, name: "walk", expiresInDays: 1 })).id),
      ],
      ["personalToken.revoke", () => o.personalToken.revoke({ tokenId: state.token! })],
      [
        "invitation.create",
        async () =>
          (state.invitation = (
            await o.invitation.create({ workspaceId: ws, email: "walk-revoked@test.sluice.dev", role: "viewer" })
          ).id),
      ],
      ["invitation.revoke", () => o.invitation.revoke({ workspaceId: ws, invitationId: state.invitation! })],
      [
        "invitation.accept",
        async () => {
          const invitee = await createUser("walk-invitee");
          const { link } = await o.invitation.create({ workspaceId: ws, email: invitee.email, role: "viewer" });
          const before = await lastAuditId();
          await as(invitee).invitation.accept({ token: link.split("/invite/")[1]! });
          state.afterInviteCreate = before.toString();
        },
      ],
      [
        "member.updateRole",
        async () =>
          o.member.updateRole({
            workspaceId: ws,
            memberId: (await prisma.member.findFirstOrThrow({ where: { workspaceId: ws, userId: viewer!.id } })).id,
            role: "editor",
          }),
      ],
      [
        "member.remove",
        async () =>
          o.member.remove({
            workspaceId: ws,
            memberId: (await prisma.member.findFirstOrThrow({ where: { workspaceId: ws, userId: viewer!.id } })).id,
          }),
      ],
      ["member.leave", () => as(admin!).member.leave({ workspaceId: ws, confirm: true })],
      ["pipeline.delete", () => o.pipeline.delete({ workspaceId: ws, pipelineId: state.copy! })],
      ["audit.export", () => o.audit.export({ workspaceId: ws, format: "csv" })],
      [
        "workspace.transferOwnership",
        async () => {
          await addMember(state.ownWs!, owner!, "admin");
          const member = await prisma.member.findFirstOrThrow({
            where: { workspaceId: state.ownWs!, userId: owner!.id },
          });
          await as(editor!).workspace.transferOwnership({ workspaceId: state.ownWs!, memberId: member.id });
        },
      ],
      ["workspace.delete", () => o.workspace.delete({ workspaceId: state.ownWs!, confirmName: "Walk spare" })],
    ];

    const mutations = listProcedures()
      .filter((p) => p.type === "mutation")
      .map((p) => p.path);
    const walked = new Set(steps.map(([path]) => path));
    expect(
      mutations.filter((path) => !walked.has(path) && !(path in NOT_STATE_CHANGING)),
      "mutations without a step in the audit walk",
    ).toEqual([]);
    expect(
      [...walked].filter((path) => !mutations.includes(path)),
      "steps for procedures that no longer exist",
    ).toEqual([]);

    const silent: string[] = [];
    for (const [path, run] of steps) {
      const rows = await audited(run);
      // invitation.accept's step also creates the invitation: only rows after that count.
      const own = path === "invitation.accept" ? rows.filter((r) => r.id > BigInt(state.afterInviteCreate!)) : rows;
      if (own.length === 0) silent.push(path);
    }
    expect(silent, "mutations that wrote no audit row").toEqual([]);
  });

  it("walks every mutating public API route (as the token's user)", async () => {
    const editor = f.users.editor!;
    const { token } = await callerFor(editor).personalToken.create({
      workspaceId: f.ws.id,
      name: "walk-api",
      expiresInDays: 1,
    });
    const { id: pipelineId } = await callerFor(editor).pipeline.create({ workspaceId: f.ws.id, name: "Walk API" });
    await callerFor(editor).pipeline.saveDraft({ workspaceId: f.ws.id, pipelineId, baseRevision: 0, graph });
    const { id: versionId } = await callerFor(editor).version.publish({
      workspaceId: f.ws.id,
      pipelineId,
      baseRevision: 1,
    });
    // The deploy/stop routes need deployment scopes: promote the editor for this part.
    await prisma.member.updateMany({ where: { workspaceId: f.ws.id, userId: editor.id }, data: { role: "admin" } });
    const bodies: Record<string, unknown> = {
      "POST /pipelines": documentOf("Walk API import"),
      "PUT /pipelines/{pipelineId}/draft": { graph, baseRevision: 1 },
      "PUT /pipelines/{pipelineId}/settings": { topics: {}, batch: {} },
      "POST /pipelines/{pipelineId}/versions": { message: "walk", baseRevision: 2 },
      "POST /pipelines/{pipelineId}/deploy": { versionId },
      "POST /pipelines/{pipelineId}/stop": {},
    };
    const mutating = publicRoutes.filter((r) => r.method !== "GET");
    expect(
      mutating.map((r) => `${r.method} ${r.path}`).filter((k) => !(k in bodies)),
      "routes without a step",
    ).toEqual([]);
    const silent: string[] = [];
    for (const route of mutating) {
      const key = `${route.method} ${route.path}`;
      const path = route.path.replace("{pipelineId}", pipelineId);
      let status = 0;
      const rows = await audited(async () => {
        const res = await handlePublicApi(
          new Request(`http://localhost/api/v1${path}`, {
            method: route.method,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(bodies[key]),
          }),
          path,
        );
        status = res.status;
      });
      expect(status, `${key} answered`).toBeLessThan(300);
      if (!rows.some((r) => r.actorType === "api_token")) silent.push(key);
    }
    expect(silent, "routes that wrote no audit row").toEqual([]);
  });
});
