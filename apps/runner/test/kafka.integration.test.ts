// The Kafka wrapper against the real broker: topic admin, keyed produce, group consume with
// pause/resume, explicit commits read back as the group's committed offsets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testLogger, testServices, uniqueName } from "./services";
import {
  createKafka,
  partitionForKey,
  type ConsumedMessage,
  type Kafka,
  type KafkaConsumer,
  type PartitionOffset,
} from "@sluice/kafka";

const PARTITIONS = 3;
const KEYS = 12;
const PER_KEY = 25;

describe("kafka wrapper", () => {
  let kafka: Kafka;
  const topic = uniqueName("sluice.test.kafka");
  const groupId = uniqueName("sluice.test.group");

  beforeAll(() => {
    kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "runner-test", log: testLogger });
  });

  afterAll(async () => {
    await kafka.admin.deleteTopics([topic]);
    await kafka.close();
  });

  it("creates a topic once, with its partitions and config", async () => {
    const spec = { topic, partitions: PARTITIONS, config: { "retention.ms": "3600000" } };
    expect(await kafka.admin.createTopics([spec])).toEqual({ created: [topic], existing: [] });
    expect(await kafka.admin.createTopics([spec])).toEqual({ created: [], existing: [topic] });
    const [description] = await kafka.admin.describeTopics([topic]);
    expect(description?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(description?.config["retention.ms"]).toBe("3600000");
    expect(await kafka.admin.listTopics()).toContain(topic);
  });

  it("produces keyed batches and consumes them in a group, in order per key, with commits", async () => {
    const producer = kafka.producer({ name: "test" });
    // Interleave keys so every batch mixes partitions.
    const messages = Array.from({ length: KEYS * PER_KEY }, (_, i) => {
      const key = `user-${i % KEYS}`;
      const seq = Math.floor(i / KEYS);
      return { topic, key, value: JSON.stringify({ key, seq }), headers: { "x-seq": String(seq) } };
    });
    for (let i = 0; i < messages.length; i += 50) {
      const acked = await producer.send(messages.slice(i, i + 50));
      expect(acked.length).toBeGreaterThan(0);
    }
    await producer.close();

    const end = await kafka.admin.endOffsets([topic]);
    expect(end.map((o) => o.partition)).toEqual([0, 1, 2]);
    expect(end.reduce((sum, o) => sum + o.offset, 0n)).toBe(BigInt(messages.length));

    const received: ConsumedMessage[] = [];
    const consumer = kafka.consumer({ groupId, topics: [topic], fetch: { maxWaitMs: 100 } });
    let assignment: { topic: string; partition: number }[] = [];
    // Pause partition 0 at its first message; nothing more may arrive from it until resumed.
    let pausedAt: number | undefined;
    await consumer.start({
      onMessage(m) {
        received.push(m);
        if (m.partition === 0 && pausedAt === undefined) {
          pausedAt = received.length;
          consumer.pause([{ topic, partition: 0 }]);
        }
      },
      onAssignment: (partitions) => (assignment = partitions),
      onError: (e) => {
        throw e;
      },
    });

    const fromOtherPartitions = messages.filter((m) => partitionForKey(m.key, PARTITIONS) !== 0).length;
    await eventually(() => expect(received.filter((m) => m.partition !== 0)).toHaveLength(fromOtherPartitions));
    expect(received.filter((m) => m.partition === 0)).toHaveLength(1);
    expect(assignment).toHaveLength(PARTITIONS);
    expect(consumer.assignments()).toHaveLength(PARTITIONS);

    consumer.resume([{ topic, partition: 0 }]);
    await eventually(() => expect(received).toHaveLength(messages.length));

    // Same key -> the partition the Java client would pick; per key, produced order.
    const byKey = new Map<string, ConsumedMessage[]>();
    for (const m of received) {
      const key = m.key?.toString() ?? "";
      byKey.set(key, [...(byKey.get(key) ?? []), m]);
    }
    expect(byKey.size).toBe(KEYS);
    for (const [key, list] of byKey) {
      expect(new Set(list.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, PARTITIONS)]));
      const seqs = list.map((m) => (JSON.parse(m.value!.toString()) as { seq: number }).seq);
      expect(seqs).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
      expect(list.map((m) => m.headers["x-seq"])).toEqual(seqs.map(String));
    }

    // Commit the next offset to read per partition, then read it back from the group.
    const next = new Map<number, bigint>();
    for (const m of received) next.set(m.partition, m.offset + 1n);
    const commits: PartitionOffset[] = [...next].map(([partition, offset]) => ({ topic, partition, offset }));
    await consumer.commit(commits);
    expect(await kafka.admin.committedOffsets(groupId, [topic])).toEqual(end);
    await consumer.close();
  });

  it("resumes a group from its committed offsets", async () => {
    const producer = kafka.producer();
    await producer.send([{ topic, key: "user-late", value: "late" }]);
    await producer.close();

    const received: ConsumedMessage[] = [];
    const consumer: KafkaConsumer = kafka.consumer({ groupId, topics: [topic], fetch: { maxWaitMs: 100 } });
    await consumer.start({
      onMessage: (m) => received.push(m),
      onError: (e) => {
        throw e;
      },
    });
    await eventually(() => expect(received.map((m) => m.value?.toString())).toEqual(["late"]));
    await consumer.close();
  });

  it("stops fetching when a paused partition's buffer is full, and loses nothing on resume", async () => {
    const end = await kafka.admin.endOffsets([topic]);
    const total = Number(end.reduce((sum, o) => sum + o.offset, 0n));
    const received: ConsumedMessage[] = [];
    const consumer = kafka.consumer({
      groupId: uniqueName("sluice.test.group"),
      topics: [topic],
      maxHeldPerPartition: 5,
      fetch: { maxWaitMs: 100 },
    });
    await consumer.start({
      onMessage(m) {
        received.push(m);
        if (m.partition === 0 && received.filter((r) => r.partition === 0).length === 1)
          consumer.pause([{ topic, partition: 0 }]);
      },
      onError: (e) => {
        throw e;
      },
    });
    await eventually(() => expect(received.some((m) => m.partition === 0)).toBe(true));
    await new Promise((r) => setTimeout(r, 500));
    expect(received.filter((m) => m.partition === 0)).toHaveLength(1);

    consumer.resume([{ topic, partition: 0 }]);
    await eventually(() => expect(received).toHaveLength(total));
    for (const partition of [0, 1, 2]) {
      const offsets = received.filter((m) => m.partition === partition).map((m) => m.offset);
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => BigInt(i)));
    }
    await consumer.close();
  });

  it("deletes the topic, and ignores topics that do not exist", async () => {
    await kafka.admin.deleteTopics([topic, uniqueName("sluice.test.never")]);
    await eventually(async () => expect(await kafka.admin.listTopics()).not.toContain(topic));
  });

  it("answers a ping, and names the brokers when none answers", async () => {
    await kafka.admin.ping();
    const nowhere = createKafka({ brokers: ["127.0.0.1:1"], clientId: "runner-test", log: testLogger, retries: 0 });
    await expect(nowhere.admin.ping()).rejects.toThrow(
      /cannot reach any Kafka broker at 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
    await nowhere.close();
  });
});
