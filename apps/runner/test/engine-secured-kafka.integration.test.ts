// A deployed pipeline reading from and writing to a SASL_SSL cluster through a workspace Kafka
// connection (the broker `npm test` starts with a throwaway CA and SCRAM users), and the same
// pipeline with a wrong password: its Kafka nodes fail with the broker's reason, and the runner
// retries with backoff instead of dialling the broker on every pass.
import { countingForwarder, secureBroker } from "@sluice/kafka/test-support";
import { describe, expect, it } from "vitest";
import { createPipeline, deploy, readTopic, stopDeployment, useEngineWorld, waitRunning } from "./engine-world";
import { graph } from "./graphs";
import { createKafkaConnection, scramConnection, useSecuredKafka } from "./secured-kafka";
import { eventually, uniqueName } from "./services";

type NodeStatusRow = Record<string, { state: string; reason?: string }>;

describe("engine: kafka-source and kafka-sink through a SASL_SSL connection", () => {
  const input = uniqueName("secured-in");
  const output = uniqueName("secured-out");
  const remote = useSecuredKafka(() => secureBroker(), "SCRAM-SHA-512", [
    { topic: input, partitions: 2 },
    { topic: output, partitions: 2 },
  ]);
  const setup = useEngineWorld({ pool: { concurrency: 2, attempts: 2, backoffMs: 100 } });

  const connection = (name: string, bootstrap: string, password: string) =>
    scramConnection(setup.world, remote.broker, name, "SCRAM-SHA-512", { bootstrap, password });

  /** The deployment row once it says failing. */
  const failing = (deploymentId: string) =>
    eventually(
      async () => {
        const d = await setup.world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
        expect(d.status).toBe("failing");
        return d;
      },
      { timeoutMs: 30_000 },
    );

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
    const { world, running } = setup;
    const { broker, kafka: secured } = remote;
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

    const received = await readTopic(secured, output, 2, 45_000);
    const events = received.map(
      (m) => JSON.parse(m.value!.toString()) as { id: string; props: { amountCents: number } },
    );
    expect(events.map((e) => [e.id, e.props.amountCents]).sort()).toEqual([
      ["e1", 1250],
      ["e3", 300],
    ]);
    const row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(row.status).toBe("running");

    await stopDeployment(world, running, deploymentId);
  }, 120_000);

  it("a wrong password: the Kafka nodes fail with the broker's reason, and retries back off", async () => {
    const { world, running } = setup;
    const forwarder = await countingForwarder(remote.broker.brokers);
    try {
      const connectionId = await connection("secured-wrong", forwarder.address, "canary-3f9a-not-the-password");
      const pipeline = await createPipeline(world, "secured-wrong");
      const started = Date.now();
      const { deploymentId } = await deploy(world, pipeline.id, pipelineGraph(connectionId));
      const failed = await failing(deploymentId);
      const nodes = failed.nodeStatus as NodeStatusRow;
      expect(nodes["source"]).toEqual({
        state: "failing",
        reason: expect.stringMatching(/^Kafka connection: authentication failed/),
      });
      expect(failed.statusReason).toContain("node source: Kafka connection: authentication failed");
      expect(JSON.stringify(failed)).not.toContain("not-the-password");

      // The engine reconciles every second here; without backoff that is a start attempt (a dial)
      // per second. With it: attempts after 1, 2, 4 and 8 s, so at most five in 12 s.
      await new Promise((r) => setTimeout(r, 12_000 - (Date.now() - started)));
      expect(forwarder.connections()).toBeGreaterThanOrEqual(2);
      expect(forwarder.connections()).toBeLessThanOrEqual(5);
      const still = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
      expect(still.status).toBe("failing");

      await stopDeployment(world, running, deploymentId);
    } finally {
      await forwarder.close();
    }
  }, 90_000);

  it("mutual TLS: the right client certificate moves records; a wrong one fails the Kafka nodes with the reason", async () => {
    const { world, running } = setup;
    const { broker, kafka: secured } = remote;
    const mtls = (name: string, client: { cert: string; key: string }) =>
      createKafkaConnection(
        world,
        name,
        {
          bootstrapServers: [broker.mtlsBrokers],
          security: { protocol: "ssl", ca: broker.ca, clientCertificate: true },
        },
        { clientCert: client.cert, clientKey: client.key },
        "client certificate",
      );
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
    const failed = await failing(refused.deploymentId);
    expect((failed.nodeStatus as NodeStatusRow)["source"]).toEqual({
      state: "failing",
      reason: expect.stringMatching(/^Kafka connection: .*refused the client certificate/),
    });
    expect(JSON.stringify(failed)).not.toContain("PRIVATE KEY");
    await stopDeployment(world, running, refused.deploymentId);

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
    await stopDeployment(world, running, deploymentId);
  }, 120_000);
});
