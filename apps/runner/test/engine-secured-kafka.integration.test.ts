// A deployed pipeline reading from and writing to a SASL_SSL cluster through a workspace Kafka
// connection (the broker `npm test` starts with a throwaway CA and SCRAM users), and the same
// pipeline with a wrong password: its Kafka nodes fail with the broker's reason, and the runner
// retries with backoff instead of dialling the broker on every pass.
import { sealSecret, secretHint } from "@sluice/db";
import { type ConsumedMessage, createKafka, type Kafka } from "@sluice/kafka";
import { countingForwarder, secureBroker, type SecureBroker } from "@sluice/kafka/test-support";
import type { KafkaConnectionConfig } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPipeline,
  createWorld,
  deploy,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { eventually, testLogger, uniqueName } from "./services";

type NodeStatusRow = Record<string, { state: string; reason?: string }>;

describe("engine: kafka-source and kafka-sink through a SASL_SSL connection", () => {
  let broker: SecureBroker;
  let world: World;
  let running: RunningEngine;
  let secured: Kafka;
  const input = uniqueName("secured-in");
  const output = uniqueName("secured-out");

  beforeAll(async () => {
    broker = secureBroker();
    world = await createWorld();
    secured = createKafka({
      brokers: [broker.brokers],
      clientId: "engine-secured-test",
      log: testLogger,
      tls: { ca: broker.ca },
      sasl: { mechanism: "SCRAM-SHA-512", ...broker.users["SCRAM-SHA-512"] },
    });
    // Topics on a connection's cluster are never created by the runner.
    await secured.admin.createTopics([
      { topic: input, partitions: 2 },
      { topic: output, partitions: 2 },
    ]);
    running = await startEngine(world, { pool: { concurrency: 2, attempts: 2, backoffMs: 100 } });
  });

  afterAll(async () => {
    await running?.stop();
    await secured?.admin.deleteTopics([input, output]).catch(() => undefined);
    await secured?.close();
    await world?.close();
  });

  async function connection(name: string, bootstrap: string, password: string) {
    const config: KafkaConnectionConfig = {
      bootstrapServers: [bootstrap],
      security: { protocol: "sasl_ssl", mechanism: "SCRAM-SHA-512", ca: broker.ca },
    };
    const credentials = { username: broker.users["SCRAM-SHA-512"].username, password };
    const row = await world.prisma.kafkaConnection.create({
      data: {
        workspaceId: world.workspaceId,
        name,
        config,
        credentials: sealSecret(JSON.stringify(credentials), world.secretKey, world.workspaceId),
        credentialsHint: secretHint(password),
        createdById: world.userId,
      },
    });
    return row.id;
  }

  const pipelineGraph = (connectionId: string) =>
    graph(
      [
        { id: "source", type: "kafka-source", config: { connectionId, topic: input, startPosition: "earliest" } },
        { id: "purchases", type: "filter", config: { condition: 'event.type == "purchase"' } },
        {
          id: "cents",
          type: "map",
          config: {
            assignments: [{ target: "props.amountCents", expression: "int(event.props.amount * 100)" }],
            drop: [],
          },
        },
        { id: "sink", type: "kafka-sink", config: { connectionId, topic: output } },
      ],
      [
        ["source", "purchases"],
        ["purchases", "cents"],
        ["cents", "sink"],
      ],
    );

  it("moves records end to end over SASL_SSL with SCRAM-SHA-512", async () => {
    const connectionId = await connection("secured", broker.brokers, broker.users["SCRAM-SHA-512"].password);
    const pipeline = await createPipeline(world, "secured");
    const { deploymentId } = await deploy(world, pipeline.id, pipelineGraph(connectionId));
    await waitRunning(world, deploymentId, 60_000);

    const producer = secured.producer();
    await producer.send([
      { topic: input, key: "u1", value: JSON.stringify({ id: "e1", type: "purchase", props: { amount: 12.5 } }) },
      { topic: input, key: "u2", value: JSON.stringify({ id: "e2", type: "view", props: {} }) },
      { topic: input, key: "u3", value: JSON.stringify({ id: "e3", type: "purchase", props: { amount: 3 } }) },
    ]);
    await producer.close();

    const received: ConsumedMessage[] = [];
    const reader = secured.consumer({
      groupId: uniqueName("secured-reader"),
      topics: [output],
      fetch: { maxWaitMs: 100 },
    });
    await reader.start({
      onMessage: (m) => received.push(m),
      onError: (e) => {
        throw e;
      },
    });
    try {
      await eventually(() => expect(received).toHaveLength(2), { timeoutMs: 45_000 });
    } finally {
      await reader.close();
    }
    const events = received.map(
      (m) => JSON.parse(m.value!.toString()) as { id: string; props: { amountCents: number } },
    );
    expect(events.map((e) => [e.id, e.props.amountCents]).sort()).toEqual([
      ["e1", 1250],
      ["e3", 300],
    ]);
    const row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row.status).toBe("running");

    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    await running.engine.reconciler.reconcile();
  }, 120_000);

  it("a wrong password: the Kafka nodes fail with the broker's reason, and retries back off", async () => {
    const forwarder = await countingForwarder(broker.brokers);
    try {
      const connectionId = await connection("secured-wrong", forwarder.address, "canary-3f9a-not-the-password");
      const pipeline = await createPipeline(world, "secured-wrong");
      const started = Date.now();
      const { deploymentId } = await deploy(world, pipeline.id, pipelineGraph(connectionId));
      const failing = await eventually(
        async () => {
          const d = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
          expect(d.status).toBe("failing");
          return d;
        },
        { timeoutMs: 30_000 },
      );
      const nodes = failing.nodeStatus as NodeStatusRow;
      expect(nodes["source"]).toEqual({
        state: "failing",
        reason: expect.stringMatching(/^Kafka connection: authentication failed/),
      });
      expect(failing.statusReason).toContain("node source: Kafka connection: authentication failed");
      expect(JSON.stringify(failing)).not.toContain("not-the-password");

      // The engine reconciles every second here; without backoff that is a start attempt (a dial)
      // per second. With it: attempts after 1, 2, 4 and 8 s, so at most five in 12 s.
      await new Promise((r) => setTimeout(r, 12_000 - (Date.now() - started)));
      expect(forwarder.connections()).toBeGreaterThanOrEqual(2);
      expect(forwarder.connections()).toBeLessThanOrEqual(5);
      const still = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
      expect(still.status).toBe("failing");

      await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
      await running.engine.reconciler.reconcile();
    } finally {
      await forwarder.close();
    }
  }, 90_000);

  it("mutual TLS: the right client certificate moves records; a wrong one fails the Kafka nodes with the reason", async () => {
    const mtls = async (name: string, client: { cert: string; key: string }) => {
      const config: KafkaConnectionConfig = {
        bootstrapServers: [broker.mtlsBrokers],
        security: { protocol: "ssl", ca: broker.ca, clientCertificate: true },
      };
      const row = await world.prisma.kafkaConnection.create({
        data: {
          workspaceId: world.workspaceId,
          name,
          config,
          credentials: sealSecret(
            JSON.stringify({ clientCert: client.cert, clientKey: client.key }),
            world.secretKey,
            world.workspaceId,
          ),
          credentialsHint: "client certificate",
          createdById: world.userId,
        },
      });
      return row.id;
    };
    const passThrough = (connectionId: string) =>
      graph(
        [
          { id: "source", type: "kafka-source", config: { connectionId, topic: input, startPosition: "earliest" } },
          { id: "sink", type: "kafka-sink", config: { connectionId, topic: output } },
        ],
        [["source", "sink"]],
      );

    const wrong = await createPipeline(world, "mtls-wrong");
    const refused = await deploy(world, wrong.id, passThrough(await mtls("mtls-wrong", broker.otherClient)));
    const failing = await eventually(
      async () => {
        const d = await world.prisma.deployment.findUniqueOrThrow({ where: { id: refused.deploymentId } });
        expect(d.status).toBe("failing");
        return d;
      },
      { timeoutMs: 30_000 },
    );
    expect((failing.nodeStatus as NodeStatusRow)["source"]).toEqual({
      state: "failing",
      reason: expect.stringMatching(/^Kafka connection: .*refused the client certificate/),
    });
    expect(JSON.stringify(failing)).not.toContain("PRIVATE KEY");
    await world.prisma.deployment.update({ where: { id: refused.deploymentId }, data: { desiredState: "stopped" } });
    await running.engine.reconciler.reconcile();

    const before = (await secured.admin.endOffsets([output])).reduce((sum, o) => sum + o.offset, 0n);
    const right = await createPipeline(world, "mtls");
    const { deploymentId } = await deploy(world, right.id, passThrough(await mtls("mtls", broker.client)));
    await waitRunning(world, deploymentId, 60_000);
    const producer = secured.producer();
    await producer.send([{ topic: input, key: "m1", value: JSON.stringify({ id: "m1", type: "view" }) }]);
    await producer.close();
    // Everything the input holds so far (the earlier test's three records too) is copied once more.
    await eventually(
      async () => {
        const after = (await secured.admin.endOffsets([output])).reduce((sum, o) => sum + o.offset, 0n);
        const inputCount = (await secured.admin.endOffsets([input])).reduce((sum, o) => sum + o.offset, 0n);
        expect(after - before).toBe(inputCount);
      },
      { timeoutMs: 45_000 },
    );
    await world.prisma.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
    await running.engine.reconciler.reconcile();
  }, 120_000);
});
