// Consumer errors against the real broker (CHAOS.md finding 5): an `error` the client emits on its
// Consumer object (here a refused rejoin, provoked for real by a process stall and a foreign group
// member, see test-support/foreign-group-member.ts) reaches `onError` instead of being thrown as an
// uncaught exception that kills the process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, type Kafka } from "./client";
import type { Logger } from "./logger";
import { startForeignMember } from "./test-support/foreign-group-member";

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};
const brokers = process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092";
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function eventually(check: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("consumer: client errors", () => {
  let kafka: Kafka;
  const topic = unique("consumer-errors");

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(","), clientId: "consumer-errors-test", log: silent });
    await kafka.admin.createTopics([{ topic, partitions: 1 }]);
  });

  afterAll(async () => {
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  });

  it("forwards an error the client emits on its Consumer (a refused rejoin) to onError", async () => {
    const groupId = unique("consumer-errors-group");
    const errors: Error[] = [];
    const consumer = kafka.consumer({
      groupId,
      topics: [topic],
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      fetch: { maxWaitMs: 100 },
    });
    await consumer.start({ onMessage: () => undefined, onError: (error) => errors.push(error) });
    await eventually(() => expect(consumer.assignments()).toHaveLength(1), 20_000);
    const foreign = await startForeignMember(brokers, groupId, topic);
    try {
      // Our member misses its session; the foreign client takes the group over; our rejoin is refused.
      expect(foreign.stall(30_000)).toBe(true);
      await eventually(() => expect(errors.length).toBeGreaterThan(0), 20_000);
      expect(errors.map((e) => `${e.message} ${JSON.stringify(e)}`).join("\n")).toMatch(
        /INCONSISTENT_GROUP_PROTOCOL|incompatible/i,
      );
    } finally {
      await consumer.close().catch(() => undefined);
      await foreign.stop();
    }
  }, 90_000);
});
