// kafka-source options on the real brokers, through the runner's own consuming path: the message key
// as a field, the headers in `context.headers` (bounded, Sluice's own left out; a value whose context
// is not an object dead-lettered), and the consumer group: a named one inside the workspace's
// namespace on Sluice's cluster, and exactly as named through a connection (the SASL_SSL broker).
import { secureBroker } from "@sluice/kafka/test-support";
import { deadLetterTopicName, topicScope } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import {
  createPipeline,
  deploy,
  ownTopic,
  readAll,
  readTopic,
  stopDeployment,
  useEngineWorld,
  waitRunning,
} from "./engine-world";
import { graph } from "./graphs";
import { scramConnection, useSecuredKafka } from "./secured-kafka";
import { eventually, uniqueName } from "./services";

describe("engine: kafka-source key, headers and consumer group", () => {
  const externalIn = uniqueName("opts-in");
  const externalOut = uniqueName("opts-out");
  const remote = useSecuredKafka(() => secureBroker(), "SCRAM-SHA-256", [
    { topic: externalIn, partitions: 2 },
    { topic: externalOut, partitions: 1 },
  ]);
  const setup = useEngineWorld({ pool: { concurrency: 2, attempts: 2, backoffMs: 100 } });

  it("on Sluice's cluster: key and headers in the event, offsets committed in the workspace's named group", async () => {
    const { world, running } = setup;
    const input = uniqueName("orders");
    await world.kafka.admin.createTopics([{ topic: ownTopic(world, input), partitions: 2 }]);
    const pipeline = await createPipeline(world, "source-options");
    const group = uniqueName("orders-team");
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          {
            id: "src",
            type: "kafka-source",
            config: {
              topic: input,
              startPosition: "earliest",
              keyField: "props.orderKey",
              headersToContext: true,
              consumerGroup: group,
            },
          },
          { id: "out", type: "kafka-sink", config: { topic: "copy" } },
        ],
        [["src", "out"]],
      ),
    );
    await waitRunning(world, deploymentId, 60_000);

    const producer = world.kafka.producer();
    await producer.send([
      {
        topic: ownTopic(world, input),
        key: "order-1",
        value: JSON.stringify({ id: "e1", type: "purchase", props: { orderKey: "from-value" }, context: { ip: "x" } }),
        headers: {
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "x-sluice-replay-attempts": "9",
          oversized: "v".repeat(1025),
        },
      },
      { topic: ownTopic(world, input), key: null, value: JSON.stringify({ id: "e2", type: "view" }) },
      {
        topic: ownTopic(world, input),
        key: "order-3",
        value: JSON.stringify({ id: "e3", type: "view", context: "mobile" }),
        headers: { tenant: "t1" },
      },
    ]);
    await producer.close();

    const copies = await readAll(world, ownTopic(world, "copy"), 2);
    const events = copies
      .map((m) => JSON.parse(m.value!.toString()) as { id: string })
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(events).toEqual([
      {
        id: "e1",
        type: "purchase",
        props: { orderKey: "order-1" },
        context: { ip: "x", headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } },
      },
      { id: "e2", type: "view", props: { orderKey: null }, context: { headers: {} } },
    ]);
    // Its context is a string: the headers have nowhere to go, so the record is dead-lettered, not altered.
    const [dead] = await readAll(world, deadLetterTopicName(topicScope(world.workspaceId, pipeline.id), "src"), 1);
    expect(JSON.parse(dead!.value!.toString())).toEqual({ id: "e3", type: "view", context: "mobile" });
    expect(dead!.headers["x-sluice-error-code"]).toBe("record.context-not-object");

    // The group is the workspace's, named as the user named it; the pipeline's default group never read.
    await eventually(
      async () => {
        const committed = await world.kafka.admin.committedOffsets(`ws.${world.slug}.${group}`, [
          ownTopic(world, input),
        ]);
        expect(committed.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(3);
      },
      { timeoutMs: 20_000 },
    );
    expect(await world.kafka.admin.committedOffsets(`sluice.${pipeline.id}.src`, [ownTopic(world, input)])).toEqual([]);
    await stopDeployment(world, running, deploymentId);
  }, 120_000);

  it("through a connection: the exact group id the user gave, so the team's own tooling sees it", async () => {
    const { world, running } = setup;
    const { broker, kafka: secured } = remote;
    const connectionId = await scramConnection(world, broker, "external", "SCRAM-SHA-256");
    const group = uniqueName("analytics.orders-consumer");
    const pipeline = await createPipeline(world, "source-options-external");
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          {
            id: "src",
            type: "kafka-source",
            config: {
              connectionId,
              topic: externalIn,
              startPosition: "earliest",
              keyField: "key",
              consumerGroup: group,
            },
          },
          { id: "out", type: "kafka-sink", config: { connectionId, topic: externalOut } },
        ],
        [["src", "out"]],
      ),
    );
    await waitRunning(world, deploymentId, 60_000);
    const producer = secured.producer();
    await producer.send([
      { topic: externalIn, key: "k1", value: JSON.stringify({ id: "x1" }) },
      { topic: externalIn, key: "k2", value: JSON.stringify({ id: "x2" }) },
    ]);
    await producer.close();

    await eventually(
      async () => {
        const committed = await secured.admin.committedOffsets(group, [externalIn]);
        expect(committed.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(2);
      },
      { timeoutMs: 30_000 },
    );
    const received = await readTopic(secured, externalOut, 2);
    expect(
      received
        .map((m) => JSON.parse(m.value!.toString()) as unknown)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { id: "x1", key: "k1" },
      { id: "x2", key: "k2" },
    ]);
    await stopDeployment(world, running, deploymentId);
  }, 120_000);
});
