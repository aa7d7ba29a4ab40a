// The engine's control-plane statements (src/services/control-db.ts) against the migrated schema, read
// back with Prisma as the web app reads them: what the runner writes keeps Prisma's semantics
// (@updatedAt moves, @default(cuid())-shaped ids, enums and JSON as Prisma returns them), and every
// read is scoped to its workspace.
import { describe, expect, it } from "vitest";
import { createPipeline, createSecret, deploy, useWorld } from "./engine-world";
import { chain, ingestNode } from "./graphs";
import { uniqueName } from "./services";

describe("control-plane statements of the engine", () => {
  const mine = useWorld();
  const other = useWorld();
  const graph = () =>
    chain([
      ingestNode({ pathKey: uniqueName("p").toLowerCase(), key: { id: "k" } }),
      { id: "out", type: "kafka-sink", config: { topic: "out" } },
    ]);

  it("lists desired deployments of the given workspaces only, oldest first, with what planning needs", async () => {
    const { world } = mine;
    const a = await createPipeline(world, "a");
    const b = await createPipeline(world, "b");
    const first = await deploy(world, a.id, graph(), { announce: false });
    const second = await deploy(world, b.id, graph(), { announce: false, startPosition: "earliest" });
    const elsewhere = await createPipeline(other.world, "x");
    await deploy(other.world, elsewhere.id, graph(), { announce: false });
    const connection = await world.prisma.kafkaConnection.create({
      data: {
        workspaceId: world.workspaceId,
        name: uniqueName("conn"),
        config: { brokers: ["127.0.0.1:9"], protocol: "plaintext" },
        createdById: world.userId,
      },
    });

    const rows = await world.db.desiredDeployments([world.workspaceId]);
    expect(rows.map((r) => r.id)).toEqual([first.deploymentId, second.deploymentId]);
    const viaPrisma = await world.prisma.deployment.findUniqueOrThrow({
      where: { id: second.deploymentId },
      include: { version: true },
    });
    expect(rows[1]).toEqual({
      id: second.deploymentId,
      workspaceId: world.workspaceId,
      pipelineId: b.id,
      versionId: second.versionId,
      status: viaPrisma.status,
      startPosition: "earliest",
      settings: viaPrisma.settings,
      updatedAt: viaPrisma.updatedAt,
      version: { graph: viaPrisma.version.graph },
      workspace: { slug: world.slug, kafkaConnections: [{ id: connection.id }] },
    });
    const both = await world.db.desiredDeployments([world.workspaceId, other.world.workspaceId]);
    expect(both).toHaveLength(3);
    expect(await world.db.desiredRunning([first.deploymentId, "nope"])).toEqual(new Set([first.deploymentId]));
  });

  it("status writes set only what they name, move updatedAt, and respect the status guard", async () => {
    const { world } = mine;
    const pipeline = await createPipeline(world, "status");
    const { deploymentId } = await deploy(world, pipeline.id, graph(), { announce: false });
    const before = await world.db.deploymentUpdatedAt(deploymentId);
    await new Promise((r) => setTimeout(r, 5));
    const startedAt = new Date("2026-01-02T03:04:05.678Z");
    await world.db.updateDeployment(deploymentId, {
      status: "running",
      statusReason: null,
      startedAt,
      nodeStatus: { out: { state: "running" } },
    });
    let row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row).toMatchObject({
      status: "running",
      statusReason: null,
      startedAt,
      nodeStatus: { out: { state: "running" } },
    });
    expect(row.updatedAt.getTime()).toBeGreaterThan(before!.getTime());
    expect(await world.db.deploymentUpdatedAt(deploymentId)).toEqual(row.updatedAt);

    // Guarded: a node status write does not resurrect a deployment that is stopping.
    await world.db.updateDeployment(deploymentId, { status: "stopping" });
    await world.db.updateDeployment(deploymentId, { status: "failing", statusReason: "x" }, ["running", "failing"]);
    row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row).toMatchObject({ status: "stopping", startedAt });

    // A crashed runner's leftover: only a row wanted stopped is marked stopped.
    await world.db.markStopped(deploymentId);
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("stopping");
    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    await world.db.markStopped(deploymentId);
    row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row).toMatchObject({ status: "stopped", statusReason: null, nodeStatus: {} });
    expect(row.stoppedAt).toBeInstanceOf(Date);
    expect(await world.db.deploymentUpdatedAt("nope")).toBeNull();
  });

  it("finds secrets, connections and registries by id within the workspace only", async () => {
    const { world } = mine;
    const secretId = await createSecret(world, "value");
    const secret = await world.db.secret(world.workspaceId, secretId);
    expect(secret?.name).toEqual(expect.any(String));
    expect(secret?.ciphertext).toMatch(/^v1\./);
    expect(await world.db.secret(other.world.workspaceId, secretId)).toBeNull();
    const registry = await world.prisma.schemaRegistryConnection.create({
      data: {
        workspaceId: world.workspaceId,
        name: uniqueName("reg"),
        url: "http://127.0.0.1:9/apis/ccompat/v7",
        createdById: world.userId,
      },
    });
    expect(await world.db.schemaRegistry(world.workspaceId, registry.id)).toEqual({
      url: registry.url,
      credentials: null,
    });
    expect(await world.db.schemaRegistry(other.world.workspaceId, registry.id)).toBeNull();
    expect(await world.db.kafkaConnection(other.world.workspaceId, "nope")).toBeNull();
  });

  it("records alert events Prisma reads back, with ids of cuid's shape, and lists enabled rules", async () => {
    const { world } = mine;
    const pipeline = await createPipeline(world, "alerts");
    const rule = await world.prisma.alertRule.create({
      data: {
        workspaceId: world.workspaceId,
        pipelineId: pipeline.id,
        name: "lag",
        kind: "lag_seconds",
        threshold: 1.5,
        forSeconds: 10,
      },
    });
    await world.prisma.alertRule.create({
      data: {
        workspaceId: world.workspaceId,
        pipelineId: pipeline.id,
        name: "off",
        kind: "error_rate",
        threshold: 1,
        forSeconds: 0,
        enabled: false,
      },
    });
    expect(await world.db.enabledAlertRules([pipeline.id])).toEqual([
      {
        id: rule.id,
        workspaceId: world.workspaceId,
        pipelineId: pipeline.id,
        name: "lag",
        kind: "lag_seconds",
        nodeId: null,
        threshold: 1.5,
        forSeconds: 10,
        webhookUrl: null,
        webhookSecretId: null,
      },
    ]);
    const events = await Promise.all(
      [1, 2].map((value) =>
        world.db.createAlertEvent({
          ruleId: rule.id,
          workspaceId: world.workspaceId,
          pipelineId: pipeline.id,
          state: "firing",
          value,
          message: "lag: high",
        }),
      ),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    for (const event of events) {
      expect(event.id).toMatch(/^c[0-9a-z]{24}$/);
      expect(await world.prisma.alertEvent.findUniqueOrThrow({ where: { id: event.id } })).toEqual(event);
    }
  });
});
