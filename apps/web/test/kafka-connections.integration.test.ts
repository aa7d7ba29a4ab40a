// Kafka connections as a workspace resource: admin-only changes, sealed credentials that never come
// back (only a hint), an audit row per change, and no delete while a running deployment uses one.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSecret } from "@sluice/db";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const isCode = (code: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === code;
const sasl = {
  bootstrapServers: ["kafka.example.com:9094"],
  security: { protocol: "sasl_ssl" as const, mechanism: "SCRAM-SHA-256" as const },
};

describe("kafka connections", () => {
  it("seals SASL credentials, returns only a hint, keeps them across edits and audits every change", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    await expect(admin.kafkaConnection.create({ workspaceId, name: "no creds", config: sasl })).rejects.toSatisfy(
      isCode("BAD_REQUEST"),
    );
    await expect(
      admin.kafkaConnection.create({
        workspaceId,
        name: "plain creds",
        config: { bootstrapServers: ["k:9092"], security: { protocol: "plaintext" } },
        credentials: { username: "u", password: "p" },
      }),
    ).rejects.toSatisfy(isCode("BAD_REQUEST"));
    await expect(
      admin.kafkaConnection.create({
        workspaceId,
        name: "bad broker",
        config: { bootstrapServers: ["not a broker"], security: { protocol: "plaintext" } },
      }),
    ).rejects.toSatisfy(isCode("BAD_REQUEST"));

    const created = await admin.kafkaConnection.create({
      workspaceId,
      name: "Partner",
      config: sasl,
      credentials: { username: "svc", password: "hunter2-canary-3f9a" },
    });
    expect(JSON.stringify(created)).not.toContain("hunter2");
    expect(created.credentialsHint).toMatch(/3f9a$/);
    const listed = await callerFor(f.users.viewer).kafkaConnection.list({ workspaceId });
    expect(JSON.stringify(listed)).not.toContain("hunter2");
    expect(listed.map((c) => c.name)).toEqual(["Partner"]);
    const row = await prisma.kafkaConnection.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.credentials).not.toContain("hunter2");
    expect(JSON.parse(openSecret(row.credentials!, process.env["SLUICE_SECRET_KEY"]!, workspaceId))).toEqual({
      username: "svc",
      password: "hunter2-canary-3f9a",
    });

    const renamed = await admin.kafkaConnection.update({
      workspaceId,
      connectionId: created.id,
      name: "Partner EU",
      config: sasl,
    });
    expect(renamed.credentialsHint).toBe(created.credentialsHint);
    await expect(
      admin.kafkaConnection.create({
        workspaceId,
        name: "Partner EU",
        config: { bootstrapServers: ["k:9092"], security: { protocol: "plaintext" } },
      }),
    ).rejects.toSatisfy(isCode("CONFLICT"));
    await expect(
      callerFor(f.users.editor).kafkaConnection.create({
        workspaceId,
        name: "editor's",
        config: { bootstrapServers: ["k:9092"], security: { protocol: "plaintext" } },
      }),
    ).rejects.toSatisfy(isCode("FORBIDDEN"));

    const actions = await prisma.auditLog.findMany({
      where: { workspaceId, resourceId: created.id },
      orderBy: { id: "asc" },
      select: { action: true, summary: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["kafkaConnection.create", "kafkaConnection.update"]);
    expect(JSON.stringify(actions)).not.toContain("hunter2");
  });

  it("refuses to delete a connection a running deployment uses, then deletes it once stopped", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    const { id: connectionId } = await admin.kafkaConnection.create({
      workspaceId,
      name: "In use",
      config: { bootstrapServers: ["k:9092"], security: { protocol: "plaintext" } },
    });
    const position = { x: 0, y: 0 };
    const graph = {
      nodes: [
        { id: "src", type: "kafka-source", typeVersion: 1, config: { topic: "orders", connectionId }, position },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "copy" }, position },
      ],
      edges: [{ id: "e1", source: "src", sourcePort: "out", target: "out", targetPort: "in" }],
    };
    const { id: pipelineId } = await admin.pipeline.create({ workspaceId, name: "uses a connection" });
    const saved = await admin.pipeline.saveDraft({ workspaceId, pipelineId, graph, baseRevision: 0 });
    expect(saved.problems.filter((p) => p.severity === "error")).toEqual([]);
    const version = await admin.version.publish({ workspaceId, pipelineId, baseRevision: saved.revision });
    await admin.deployment.deploy({ workspaceId, pipelineId, versionId: version.id });
    await expect(admin.kafkaConnection.delete({ workspaceId, connectionId })).rejects.toSatisfy(
      (e: unknown) => isCode("PRECONDITION_FAILED")(e) && /uses a connection/.test((e as Error).message),
    );
    await admin.deployment.stop({ workspaceId, pipelineId });
    await admin.kafkaConnection.delete({ workspaceId, connectionId });
    expect(await prisma.kafkaConnection.count({ where: { id: connectionId } })).toBe(0);
    expect(
      await prisma.auditLog.count({
        where: { workspaceId, resourceId: connectionId, action: "kafkaConnection.delete" },
      }),
    ).toBe(1);
    // With the connection gone, the same version is refused at deploy.
    await expect(admin.deployment.deploy({ workspaceId, pipelineId, versionId: version.id })).rejects.toSatisfy(
      isCode("PRECONDITION_FAILED"),
    );
  });
});
