// After a rebalance takes partitions away, the consumer delivers nothing more of them: a fetch
// answered after the revocation belongs to the partition's new owner, who reads it from the committed
// offset. (Found by the chaos suite: a runner processed and committed a revoked partition behind its
// new owner's back, which moved the group's offset and lost records on the next failover.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, type Kafka } from "./client";
import type { Logger } from "./logger";
import type { KafkaConsumer } from "./types";

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};
const brokers = process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092";
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("consumer: rebalance", () => {
  let kafka: Kafka;
  const topic = unique("consumer-rebalance");
  const consumers: KafkaConsumer[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(","), clientId: "consumer-rebalance-test", log: silent });
    await kafka.admin.createTopics([{ topic, partitions: 6 }]);
  });

  afterAll(async () => {
    for (const c of consumers) await c.close().catch(() => undefined);
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  });

  it("delivers no message of a revoked partition after the assignment that revoked it", async () => {
    const groupId = unique("rebalance-group");
    const producer = kafka.producer({ name: "rebalance-test" });
    let producing = true;
    // Traffic on every partition the whole time, so fetches are in flight when the group rebalances.
    const traffic = (async () => {
      for (let i = 0; producing; i++) {
        await producer.send(
          Array.from({ length: 60 }, (_, k) => ({ topic, key: `k-${i}-${k}`, value: JSON.stringify({ i, k }) })),
        );
        await sleep(5);
      }
    })();

    const violations: string[] = [];
    let assignments = 0;
    const member = (name: string) => {
      let owned: Set<number> | undefined;
      const consumer = kafka.consumer({
        groupId,
        topics: [topic],
        fetch: { maxWaitMs: 10 },
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 300,
      });
      consumers.push(consumer);
      return consumer.start({
        onMessage(m) {
          if (owned && !owned.has(m.partition)) violations.push(`${name}: p${m.partition}@${m.offset} after losing it`);
        },
        onAssignment(assigned) {
          assignments++;
          owned = new Set(assigned.map((tp) => tp.partition));
        },
        onError: () => undefined,
      });
    };

    await member("a");
    await sleep(1500);
    // Members join and leave while traffic flows: each change moves partitions between them.
    await member("b");
    await sleep(1500);
    await member("c");
    await sleep(1500);
    await consumers[1]!.close();
    await sleep(2000);
    producing = false;
    await traffic;
    expect(assignments).toBeGreaterThanOrEqual(4);
    expect(violations).toEqual([]);
  });
});
