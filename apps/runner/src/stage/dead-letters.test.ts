import { describe, expect, it } from "vitest";
import { decodeDeadLetterHeaders, defaultPartitionKey, type EventRecord } from "@sluice/shared";
import type { Origin } from "./batch-input";
import { deadLetterMessages } from "./dead-letters";

const source = {
  pipelineId: "p",
  nodeId: "n",
  sourceTopic: "sluice.w.p.a.out",
  sourcePartition: 2,
  firstOffset: "100",
  attempt: 3,
  failedAt: "2026-01-01T10:00:00.000Z",
};

describe("dead-letter records", () => {
  it("carries the event, its input key and offset, and where and why it failed", () => {
    const known: EventRecord = { n: 1 };
    const replayed: EventRecord = { n: 2 };
    const origins = new Map<EventRecord, Origin>([
      [known, { offset: "105", key: "k1", exact: true }],
      [replayed, { offset: "107", key: "k2", exact: true, prior: 2 }],
    ]);
    const messages = deadLetterMessages(
      "sluice.w.p.n.dlq",
      [
        { event: known, error: { code: "bad", message: "x".repeat(1500) } },
        { event: replayed, error: { code: "worse", message: "again" } },
      ],
      (event) => origins.get(event),
      source,
    );
    expect(messages.map((m) => [m.topic, m.key, m.value])).toEqual([
      ["sluice.w.p.n.dlq", "k1", '{"n":1}'],
      ["sluice.w.p.n.dlq", "k2", '{"n":2}'],
    ]);
    const first = decodeDeadLetterHeaders(messages[0]!.headers ?? {});
    expect(first.success && first.data).toMatchObject({
      errorCode: "bad",
      pipelineId: "p",
      nodeId: "n",
      sourceTopic: "sluice.w.p.a.out",
      sourcePartition: 2,
      sourceOffset: "105",
      attempt: 3,
      failedAt: source.failedAt,
    });
    expect(first.success && first.data.errorMessage).toHaveLength(1000);
    // A replayed dead letter counts the attempts it already had.
    const second = decodeDeadLetterHeaders(messages[1]!.headers ?? {});
    expect(second.success && second.data.attempt).toBe(5);
  });

  it("falls back to the batch's first offset and the event's default key when its origin is unknown", () => {
    const event: EventRecord = { userId: "u1" };
    const [message] = deadLetterMessages(
      "dlq",
      [{ event, error: { code: "c", message: "m" } }],
      () => undefined,
      source,
    );
    expect(message!.key).toBe(defaultPartitionKey(event));
    const headers = decodeDeadLetterHeaders(message!.headers ?? {});
    expect(headers.success && headers.data.sourceOffset).toBe("100");
  });
});
