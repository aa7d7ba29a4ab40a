import { describe, expect, it } from "vitest";
import type { ConsumedMessage, KafkaConsumer } from "@sluice/kafka";
import {
  appendPending,
  cutBatch,
  isFull,
  newPartitionState,
  oldestUnprocessed,
  takeCommittable,
  tickEntry,
  toBatchRecord,
} from "./feeder-partition";

// These functions never call the owning consumer; the state only carries it for the feeder.
const owner = {} as KafkaConsumer;
const message = (
  offset: number,
  value: string | Buffer | null,
  headers: Record<string, string> = {},
): ConsumedMessage => ({
  topic: "t",
  partition: 3,
  offset: BigInt(offset),
  key: Buffer.from(`k${offset}`),
  value: typeof value === "string" ? Buffer.from(value) : value,
  headers,
  timestamp: BigInt(1000 + offset),
});

function stateWith(...offsets: number[]) {
  const p = newPartitionState(owner, "t", 3);
  for (const o of offsets) appendPending(p, toBatchRecord(message(o, `{"n":${o}}`), false), 1000 + o);
  return p;
}

describe("feeder partition bookkeeping", () => {
  it("turns a consumed message into a batch record: text or base64 value, headers only when present", () => {
    expect(toBatchRecord(message(7, '{"a":1}'), false)).toEqual({ o: "7", k: "k7", v: '{"a":1}' });
    expect(toBatchRecord(message(8, Buffer.from([0, 1, 2, 255])), true)).toEqual({ o: "8", k: "k8", v: "AAEC/w==" });
    expect(toBatchRecord(message(9, null, { "x-sluice-src": "abc 5" }), false)).toEqual({
      o: "9",
      k: "k9",
      v: "",
      h: { "x-sluice-src": "abc 5" },
    });
  });

  it("keeps the first pending record's timestamp and counts value bytes towards the bound", () => {
    const p = stateWith(10, 11, 12);
    expect(p.pendingTs).toBe(1010);
    expect(p.bytes).toBe('{"n":10}'.length * 3);
    expect(isFull(p, { maxBatchRecords: 3, maxBatchBytes: 1_000_000 })).toBe(true);
    expect(isFull(p, { maxBatchRecords: 4, maxBatchBytes: 1_000_000 })).toBe(false);
    expect(isFull(p, { maxBatchRecords: 4, maxBatchBytes: p.bytes })).toBe(true);
  });

  it("cuts the pending records into one in-flight batch and starts a new pending batch", () => {
    const p = stateWith(10, 11, 12);
    const { records, entry } = cutBatch(p);
    expect(records.map((r) => r.o)).toEqual(["10", "11", "12"]);
    expect(entry).toEqual({ last: 12n, done: false, firstTs: 1010 });
    expect(p.inflight).toEqual([entry]);
    expect(p.pending).toEqual([]);
    expect(p.pendingTs).toBeUndefined();
    expect(p.bytes).toBe(0);
  });

  it("commits only the contiguous completed prefix, in offset order", () => {
    const p = stateWith(0, 1);
    const first = cutBatch(p).entry;
    appendPending(p, toBatchRecord(message(2, "{}"), false), 1002);
    const second = cutBatch(p).entry;
    appendPending(p, toBatchRecord(message(3, "{}"), false), 1003);
    const third = cutBatch(p).entry;

    // The second finished first: it waits behind the first.
    second.done = true;
    expect(takeCommittable(p.inflight)).toBeUndefined();
    expect(p.inflight).toHaveLength(3);

    first.done = true;
    expect(takeCommittable(p.inflight)).toBe(3n);
    expect(p.inflight).toEqual([third]);

    third.done = true;
    expect(takeCommittable(p.inflight)).toBe(4n);
    expect(p.inflight).toEqual([]);
  });

  it("commits nothing for a completed tick, and a tick does not hide a batch behind it", () => {
    const p = newPartitionState(owner, "t", 3);
    const tick = tickEntry(p);
    expect(tick).toEqual({ last: -1n, done: false });
    tick.done = true;
    expect(takeCommittable(p.inflight)).toBeUndefined();
    expect(p.inflight).toEqual([]);

    const again = tickEntry(p);
    appendPending(p, toBatchRecord(message(5, "{}"), false), 1005);
    const batch = cutBatch(p).entry;
    again.done = true;
    batch.done = true;
    expect(takeCommittable(p.inflight)).toBe(6n);
  });

  it("reports the oldest unprocessed record per live partition: in flight first, else pending", () => {
    const a = stateWith(10, 11);
    cutBatch(a);
    appendPending(a, toBatchRecord(message(12, "{}"), false), 1012);
    const b = stateWith(20);
    const idle = newPartitionState(owner, "t", 4);
    const dropped = stateWith(30);
    dropped.live = false;
    expect(oldestUnprocessed([a, b, idle, dropped])).toEqual([
      { topic: "t", partition: 3, timestampMs: 1010 },
      { topic: "t", partition: 3, timestampMs: 1020 },
    ]);
  });
});
