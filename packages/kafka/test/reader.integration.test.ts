// The group-less reader against the real broker: ranges per partition, reads from an offset to the
// end with keys, headers and timestamps, a per-partition limit, and no consumer group left behind.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, createKafkaReader, type Kafka, type KafkaReader, type Logger } from "@sluice/kafka";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const brokers = (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",");

describe("kafka reader", () => {
  let kafka: Kafka;
  let reader: KafkaReader;
  const topic = `sluice.test.reader.${randomUUID()}`;

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: "reader-test", log: quiet });
    reader = createKafkaReader({ brokers, clientId: "reader-test", log: quiet });
    await kafka.admin.createTopics([{ topic, partitions: 2 }]);
  });

  afterAll(async () => {
    await reader.close();
    await kafka.admin.deleteTopics([topic]);
    await kafka.close();
  });

  it("reads each partition from an offset to the end, with headers, keys and timestamps", async () => {
    expect(await reader.ranges(`sluice.test.reader.missing.${randomUUID()}`)).toEqual([]);
    const producer = kafka.producer({ name: "reader-test" });
    const before = BigInt(Date.now());
    await producer.send(
      Array.from({ length: 30 }, (_, i) => ({
        topic,
        key: `k${i}`,
        value: JSON.stringify({ i }),
        partition: i % 2,
        headers: { "x-n": String(i) },
      })),
    );
    await producer.close();

    const ranges = await reader.ranges(topic);
    expect(ranges).toEqual([
      { partition: 0, earliest: 0n, end: 15n },
      { partition: 1, earliest: 0n, end: 15n },
    ]);
    const all = await reader.read({
      topic,
      from: [
        { partition: 0, offset: 0n },
        { partition: 1, offset: 5n },
      ],
    });
    expect(all.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual(
      Array.from({ length: 15 }, (_, i) => BigInt(i)),
    );
    expect(all.filter((m) => m.partition === 1).map((m) => m.offset)).toEqual(
      Array.from({ length: 10 }, (_, i) => BigInt(i + 5)),
    );
    const first = all.find((m) => m.partition === 1 && m.offset === 5n)!;
    expect(first.key?.toString()).toBe("k11");
    expect(JSON.parse(first.value!.toString())).toEqual({ i: 11 });
    expect(first.headers).toEqual({ "x-n": "11" });
    expect(first.timestamp).toBeGreaterThanOrEqual(before);

    const limited = await reader.read({ topic, from: [{ partition: 0, offset: 3n }], maxPerPartition: 4 });
    expect(limited.map((m) => m.offset)).toEqual([3n, 4n, 5n, 6n]);
    expect(await reader.read({ topic, from: [{ partition: 0, offset: 15n }] })).toEqual([]);
  });
});
