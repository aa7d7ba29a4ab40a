// Concurrent sends on one idempotent producer are coalesced into shared produce requests: every send
// still resolves only once its own messages are acknowledged, and per-key order is call order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, type Kafka } from "./client";
import type { Logger } from "./logger";
import type { ConsumedMessage } from "./types";

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

describe("producer: coalesced sends", () => {
  let kafka: Kafka;
  const topic = `producer-coalesce-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    kafka = createKafka({
      brokers: (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","),
      clientId: "producer-test",
      log: silent,
    });
    await kafka.admin.createTopics([{ topic, partitions: 3 }]);
  });

  afterAll(async () => {
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  });

  it("acknowledges every concurrent send and keeps each key's messages in call order", async () => {
    const producer = kafka.producer({ name: "coalesce-test" });
    const sends = 40;
    const perSend = 25;
    // Every send writes the same 5 keys, so sends interleave on each partition.
    const results = await Promise.all(
      Array.from({ length: sends }, (_, s) =>
        producer.send(
          Array.from({ length: perSend }, (_, i) => ({ topic, key: `k-${i % 5}`, value: JSON.stringify({ s, i }) })),
        ),
      ),
    );
    expect(results.every((offsets) => offsets.length > 0 && offsets.every((o) => o.topic === topic))).toBe(true);
    const end = await kafka.admin.endOffsets([topic]);
    expect(end.reduce((sum, o) => sum + o.offset, 0n)).toBe(BigInt(sends * perSend));

    const received: ConsumedMessage[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}.check`, topics: [topic], fetch: { maxWaitMs: 100 } });
    await consumer.start({ onMessage: (m) => void received.push(m), onError: () => undefined });
    const deadline = Date.now() + 20_000;
    while (received.length < sends * perSend && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.close();
    await producer.close();
    expect(received.length).toBe(sends * perSend);

    // Per key: (send, index) strictly increasing, i.e. the order the sends were called in.
    const lastByKey = new Map<string, number>();
    for (const m of received) {
      const { s, i } = JSON.parse(m.value!.toString()) as { s: number; i: number };
      const order = s * perSend + i;
      const key = m.key!.toString();
      expect(order).toBeGreaterThan(lastByKey.get(key) ?? -1);
      lastByKey.set(key, order);
    }
  });
});
