// kafka-source and kafka-sink through a real Confluent-compatible schema registry (Apicurio Registry,
// started by the test harness: scripts/lib/services.ts) and the real broker: Avro records produced
// in the wire format are decoded by a deployed pipeline and written out as JSON; records the format
// cannot read go to the source's error port with a clear code; a sink writes Avro that the
// registry's schema reads back.
import avro from "avsc";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRegistryClient,
  joinWireFormat,
  type RegistryClient,
  writeMessageIndexes,
} from "@sluice/schema-registry";
import { decodeDeadLetterHeaders, valueSubject } from "@sluice/shared";
import {
  createPipeline,
  createWorld,
  deploy,
  ownTopic,
  readAll,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { uniqueName } from "./services";

const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";

const CLICK = {
  type: "record",
  name: "Click",
  namespace: "web",
  fields: [
    { name: "userId", type: "string" },
    { name: "page", type: "string" },
    { name: "ms", type: "long" },
    { name: "referrer", type: ["null", "string"], default: null },
  ],
};

let world: World;
let engine: RunningEngine;
let registry: RegistryClient;
let registryId: string;

beforeAll(async () => {
  world = await createWorld();
  registry = createRegistryClient({ url: registryUrl });
  const row = await world.prisma.schemaRegistryConnection.create({
    data: { workspaceId: world.workspaceId, name: "local", url: registryUrl, createdById: world.userId },
  });
  registryId = row.id;
  engine = await startEngine(world);
});
afterAll(async () => {
  await engine?.stop();
  await world?.close();
});

describe("schema registry formats", () => {
  it("decodes Avro records through the registry in a deployed pipeline and dead-letters what it cannot read", async () => {
    const name = uniqueName("clicks");
    const inTopic = ownTopic(world, name);
    await world.kafka.admin.createTopics([{ topic: inTopic, partitions: 1 }]);
    const schemaId = await registry.register(valueSubject(inTopic), "AVRO", JSON.stringify(CLICK));
    // Encoded by avsc directly (the producer side), framed as Confluent's serializer frames it.
    const type = avro.Type.forSchema(CLICK as avro.Schema);
    const clicks = [
      { userId: "u1", page: "/home", ms: 1_700_000_000_000, referrer: null },
      { userId: "u2", page: "/pricing", ms: 1_700_000_000_500, referrer: "https://example.com/" },
    ];
    const producer = world.kafka.producer({ name: "avro-test" });
    await producer.send([
      { topic: inTopic, key: "u1", value: joinWireFormat(schemaId, type.toBuffer(clicks[0])) },
      { topic: inTopic, key: null, value: Buffer.from('{"not":"avro"}') },
      { topic: inTopic, key: "u2", value: joinWireFormat(schemaId, type.toBuffer(clicks[1])) },
      { topic: inTopic, key: null, value: joinWireFormat(987_654, type.toBuffer(clicks[0])) },
      { topic: inTopic, key: null, value: joinWireFormat(schemaId, Buffer.from([0x09])) },
    ]);
    await producer.close();

    const pipeline = await createPipeline(world, "avro in, json out");
    const outName = uniqueName("clicks-json");
    await world.kafka.admin.createTopics([{ topic: ownTopic(world, outName), partitions: 1 }]);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          {
            id: "src",
            type: "kafka-source",
            config: { topic: name, startPosition: "earliest", valueFormat: "avro", registryId },
          },
          { id: "out", type: "kafka-sink", config: { topic: outName } },
        ],
        [["src", "out"]],
      ),
    );
    await waitRunning(world, deploymentId);

    const out = await readAll(world, ownTopic(world, outName), 2);
    const decoded = out.map((m) => JSON.parse(m.value!.toString()) as (typeof clicks)[number]);
    expect(decoded.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(clicks);

    const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.src.dlq`, 3);
    const codes = dead.map((m) => {
      const headers = decodeDeadLetterHeaders(
        Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)])),
      );
      return headers.success ? headers.data.errorCode : "unparsed";
    });
    expect(codes).toEqual(["registry.not-wire-format", "registry.schema-unavailable", "registry.decode-failed"]);
    // The pipeline kept running: the batch with unreadable records was not failed.
    expect((await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } })).status).toBe("running");
  });

  it("writes Avro with the version's schema, registered under <topic>-value, readable through the registry", async () => {
    const inName = uniqueName("orders");
    const outName = uniqueName("orders-avro");
    await world.kafka.admin.createTopics([
      { topic: ownTopic(world, inName), partitions: 1 },
      { topic: ownTopic(world, outName), partitions: 1 },
    ]);
    const schema = JSON.stringify({
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: "string" },
        { name: "cents", type: ["null", "double"], default: null },
      ],
    });
    const pipeline = await createPipeline(world, "json in, avro out");
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: inName, startPosition: "earliest" } },
          {
            id: "out",
            type: "kafka-sink",
            config: { topic: outName, valueFormat: "avro", registryId, avroSchema: schema },
          },
        ],
        [["src", "out"]],
      ),
    );
    await waitRunning(world, deploymentId);
    const producer = world.kafka.producer({ name: "avro-sink-test" });
    await producer.send([
      { topic: ownTopic(world, inName), key: null, value: JSON.stringify({ id: "o-1", cents: 1250 }) },
      { topic: ownTopic(world, inName), key: null, value: JSON.stringify({ id: 7 }) },
      { topic: ownTopic(world, inName), key: null, value: JSON.stringify({ id: "o-2", cents: null }) },
    ]);
    await producer.close();
    const out = await readAll(world, ownTopic(world, outName), 2);
    const latest = await registry.latest(valueSubject(ownTopic(world, outName)));
    expect(out.map((m) => m.value!.readUInt32BE(1))).toEqual([latest.id, latest.id]);
    const written = await Promise.all(out.map((m) => registry.decode(m.value!)));
    expect(written.sort((a, b) => String(a["id"]).localeCompare(String(b["id"])))).toEqual([
      { id: "o-1", cents: 1250 },
      { id: "o-2", cents: null },
    ]);
    const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.out.dlq`, 1);
    const headers = decodeDeadLetterHeaders(
      Object.fromEntries(Object.entries(dead[0]!.headers).map(([k, v]) => [k, String(v)])),
    );
    expect(headers.success && headers.data.errorCode).toBe("registry.encode-failed");
  });

  it("decodes Protobuf (second message, by its index) and JSON Schema records, and text as { value }", async () => {
    const proto = `syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; }\nmessage Refund { string order_id = 1; int64 cents = 2; }`;
    const { root } = protobuf.parse(proto, { keepCase: true });
    const Refund = root.lookupType("shop.Refund");
    const cases = [
      {
        format: "protobuf",
        schemaType: "PROTOBUF" as const,
        schema: proto,
        value: (id: number) =>
          joinWireFormat(
            id,
            Buffer.concat([
              writeMessageIndexes([1]),
              Buffer.from(Refund.encode(Refund.fromObject({ order_id: "o-9", cents: "1250" })).finish()),
            ]),
          ),
        expected: { order_id: "o-9", cents: "1250" },
      },
      {
        format: "json-schema",
        schemaType: "JSON" as const,
        schema: JSON.stringify({ type: "object", properties: { id: { type: "string" } } }),
        value: (id: number) => joinWireFormat(id, Buffer.from('{"id":"j-1","n":2}')),
        expected: { id: "j-1", n: 2 },
      },
      { format: "string", value: () => Buffer.from("plain text ü"), expected: { value: "plain text ü" } },
    ];
    for (const c of cases) {
      const name = uniqueName(`in-${c.format}`);
      const outName = uniqueName(`out-${c.format}`);
      await world.kafka.admin.createTopics([
        { topic: ownTopic(world, name), partitions: 1 },
        { topic: ownTopic(world, outName), partitions: 1 },
      ]);
      const id = c.schemaType
        ? await registry.register(valueSubject(ownTopic(world, name)), c.schemaType, c.schema!)
        : 0;
      const producer = world.kafka.producer({ name: `${c.format}-test` });
      await producer.send([{ topic: ownTopic(world, name), key: null, value: c.value(id) }]);
      await producer.close();
      const pipeline = await createPipeline(world, `${c.format} in`);
      const source = {
        topic: name,
        startPosition: "earliest",
        valueFormat: c.format,
        ...(c.schemaType ? { registryId } : {}),
      };
      const { deploymentId } = await deploy(
        world,
        pipeline.id,
        graph(
          [
            { id: "src", type: "kafka-source", config: source },
            { id: "out", type: "kafka-sink", config: { topic: outName } },
          ],
          [["src", "out"]],
        ),
      );
      await waitRunning(world, deploymentId);
      const out = await readAll(world, ownTopic(world, outName), 1);
      expect(JSON.parse(out[0]!.value!.toString()), c.format).toEqual(c.expected);
    }
  });
});
