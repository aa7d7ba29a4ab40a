// Schema registries as a workspace resource, against a real Confluent-compatible registry (Apicurio,
// started by the test harness): admin-only changes, sealed credentials, "Test connection", a topic's
// latest schema and its fields for the canvas, and kafka-sink's Avro schema checked against the
// subject's compatibility mode at publish (an incompatible change is a publish problem).
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSecret } from "@sluice/db";
import { createRegistryClient } from "@sluice/schema-registry";
import { workspaceTopicName } from "@sluice/shared";
import { callerFor, prisma, teamFixture } from "./fixtures";

const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";
type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const isCode = (code: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === code;
const position = { x: 0, y: 0 };

describe("schema registries", () => {
  it("are managed by admins, keep credentials sealed, and test the connection", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    await expect(
      callerFor(f.users.editor).schemaRegistry.create({ workspaceId, name: "editor's", url: registryUrl }),
    ).rejects.toSatisfy(isCode("FORBIDDEN"));
    await expect(admin.schemaRegistry.create({ workspaceId, name: "bad", url: "ftp://registry" })).rejects.toSatisfy(
      isCode("BAD_REQUEST"),
    );
    await expect(
      admin.schemaRegistry.create({ workspaceId, name: "bad", url: "https://u:p@registry.example.com" }),
    ).rejects.toSatisfy(isCode("BAD_REQUEST"));
    const authed = await admin.schemaRegistry.create({
      workspaceId,
      name: "With auth",
      url: registryUrl,
      credentials: { username: "svc", password: "registry-canary-7c1e" },
    });
    expect(JSON.stringify(authed)).not.toContain("registry-canary-7c1e");
    const row = await prisma.schemaRegistryConnection.findUniqueOrThrow({ where: { id: authed.id } });
    expect(row.credentials).not.toContain("registry-canary-7c1e");
    expect(JSON.parse(openSecret(row.credentials!, process.env["SLUICE_SECRET_KEY"]!, workspaceId))).toEqual({
      username: "svc",
      password: "registry-canary-7c1e",
    });
    const plain = await admin.schemaRegistry.create({ workspaceId, name: "Local", url: registryUrl });
    const listed = await callerFor(f.users.viewer).schemaRegistry.list({ workspaceId });
    expect(listed.map((r) => r.name)).toEqual(["Local", "With auth"]);
    expect(JSON.stringify(listed)).not.toContain("registry-canary-7c1e");
    const tested = await admin.schemaRegistry.test({ workspaceId, registryId: plain.id });
    expect(tested).toMatchObject({ ok: true });
    const unreachable = await admin.schemaRegistry.create({
      workspaceId,
      name: "Nowhere",
      url: "http://127.0.0.1:9/apis/ccompat/v6",
    });
    expect(await admin.schemaRegistry.test({ workspaceId, registryId: unreachable.id })).toMatchObject({
      ok: false,
      message: expect.stringContaining("unreachable"),
    });
    // Another workspace cannot use or see it.
    await expect(
      callerFor(f.stranger).schemaRegistry.test({ workspaceId: f.other.id, registryId: plain.id }),
    ).rejects.toSatisfy(isCode("NOT_FOUND"));
    const audited = await prisma.auditLog.findMany({
      where: { workspaceId, resourceId: plain.id },
      select: { action: true, summary: true },
    });
    expect(audited).toEqual([
      { action: "schemaRegistry.create", summary: { name: "Local", url: registryUrl, auth: false } },
    ]);
  });

  it("shows a topic's latest schema with its fields, and refuses an incompatible sink schema at publish", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    const { id: registryId } = await admin.schemaRegistry.create({
      workspaceId,
      name: "For publish",
      url: registryUrl,
    });
    const client = createRegistryClient({ url: registryUrl });
    const topic = `clicks-${Date.now().toString(36)}`;
    const brokerTopic = workspaceTopicName(f.ws.slug, topic);
    expect(
      await callerFor(f.users.viewer).schemaRegistry.latestSchema({ workspaceId, registryId, topic }),
    ).toMatchObject({ found: false, subject: `${brokerTopic}-value` });
    const schema = {
      type: "record",
      name: "Click",
      fields: [
        { name: "userId", type: "string" },
        { name: "page", type: "string" },
        { name: "ctx", type: { type: "record", name: "Ctx", fields: [{ name: "ip", type: "string" }] } },
      ],
    };
    const id = await client.register(`${brokerTopic}-value`, "AVRO", JSON.stringify(schema));
    expect(
      await callerFor(f.users.viewer).schemaRegistry.latestSchema({ workspaceId, registryId, topic }),
    ).toMatchObject({
      found: true,
      id,
      version: 1,
      schemaType: "AVRO",
      fields: {
        paths: ["userId", "page", "ctx", "ctx.ip"],
        open: false,
        types: [
          { path: "userId", type: "string" },
          { path: "page", type: "string" },
          { path: "ctx", type: "object" },
          { path: "ctx.ip", type: "string" },
        ],
      },
    });

    // The source's schema fields flow downstream: a filter on a field the schema lacks is flagged.
    const outTopic = `clicks-avro-${Date.now().toString(36)}`;
    const graphWith = (sinkConfig: Record<string, unknown>) => ({
      nodes: [
        {
          id: "src",
          type: "kafka-source",
          typeVersion: 1,
          config: { topic, valueFormat: "avro", registryId, schemaFields: ["userId", "page", "ctx", "ctx.ip"] },
          position,
        },
        { id: "keep", type: "filter", typeVersion: 1, config: { condition: "event.pgae != ''" }, position },
        {
          id: "out",
          type: "kafka-sink",
          typeVersion: 1,
          config: { topic: outTopic, valueFormat: "avro", registryId, ...sinkConfig },
          position,
        },
      ],
      edges: [
        { id: "e1", source: "src", sourcePort: "out", target: "keep", targetPort: "in" },
        { id: "e2", source: "keep", sourcePort: "out", target: "out", targetPort: "in" },
      ],
    });
    const { id: pipelineId } = await admin.pipeline.create({ workspaceId, name: `avro ${outTopic}` });
    let saved = await admin.pipeline.saveDraft({ workspaceId, pipelineId, graph: graphWith({}), baseRevision: 0 });
    expect(saved.problems).toContainEqual(
      expect.objectContaining({ nodeId: "keep", severity: "warning", message: expect.stringContaining("pgae") }),
    );

    // Publish derives the sink's schema from the known fields and registers it under <topic>-value.
    const v1 = await admin.version.publish({ workspaceId, pipelineId, baseRevision: saved.revision });
    const stored = await prisma.pipelineVersion.findUniqueOrThrow({ where: { id: v1.id } });
    const sinkSchema = JSON.parse(
      String(
        (stored.graph as { nodes: { id: string; config: { avroSchema?: string } }[] }).nodes.find(
          (n) => n.id === "out",
        )!.config.avroSchema,
      ),
    );
    expect(sinkSchema.fields.map((x: { name: string }) => x.name)).toEqual(["ctx", "page", "userId"]);
    const subject = `${workspaceTopicName(f.ws.slug, outTopic)}-value`;
    expect((await client.latest(subject)).version).toBe(1);

    // Under BACKWARD, a new required field without a default is incompatible: a publish problem, nothing registered.
    await client.setCompatibility("BACKWARD", subject);
    const incompatible = JSON.stringify({
      type: "record",
      name: "Out",
      fields: [
        { name: "userId", type: "string" },
        { name: "tier", type: "string" },
      ],
    });
    saved = await admin.pipeline.saveDraft({
      workspaceId,
      pipelineId,
      graph: graphWith({ avroSchema: incompatible }),
      baseRevision: saved.revision,
    });
    await expect(admin.version.publish({ workspaceId, pipelineId, baseRevision: saved.revision })).rejects.toSatisfy(
      (e: unknown) =>
        isCode("BAD_REQUEST")(e) &&
        /not compatible with the latest version of .* under BACKWARD compatibility/.test((e as Error).message),
    );
    expect((await client.latest(subject)).version).toBe(1);
  });
});
