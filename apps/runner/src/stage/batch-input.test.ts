import { describe, expect, it } from "vitest";
import {
  encodeDeadLetterHeaders,
  type EventRecord,
  REPLAY_ATTEMPTS_HEADER,
  REPLAY_NODE_HEADER,
  type Stage,
  UNDECODABLE_RECORD_CODE,
} from "@sluice/shared";
import type { StageBatchV1 } from "../queue/batch-payload";
import { type Origin, readBatchInput } from "./batch-input";
import { FENCE_HEADER } from "./fences";
import { WATERMARK_HEADER } from "./source-watermarks";

const stage = { nodes: [{ id: "head" }, { id: "second" }], deadLetterInputs: ["sluice.w.p.x.dlq"] } as unknown as Pick<
  Stage,
  "nodes" | "deadLetterInputs"
>;
const FAILED_AT = "2026-01-01T10:00:00.000Z";
const batchOf = (records: StageBatchV1["records"], topic = "sluice.w.p.src.out"): StageBatchV1 => ({
  version: "v1",
  topic,
  partition: 1,
  records,
});

async function read(
  batch: StageBatchV1,
  extra: { skipThrough?: bigint; seen?: Record<string, number>; watermarks?: boolean } = {},
) {
  const origin = new WeakMap<EventRecord, Origin>();
  const result = await readBatchInput(batch, { stage, origin, failedAt: FAILED_AT, watermarks: false, ...extra });
  return { ...result, origin };
}

describe("batch input", () => {
  it("decodes JSON objects for the head with their origin, and fails what is not a JSON object", async () => {
    const r = await read(
      batchOf([
        { o: "10", k: "a", v: '{"n":1}' },
        { o: "11", k: null, v: "not json" },
        { o: "12", k: "c", v: "[1,2]" },
      ]),
    );
    expect(r.input).toEqual([{ n: 1 }]);
    expect(r.origin.get(r.input[0]!)).toEqual({ offset: "10", key: "a", exact: true });
    expect(r.undecodable.map((f) => [f.event, f.error.code])).toEqual([
      [{ raw: "not json" }, UNDECODABLE_RECORD_CODE],
      [{ raw: "[1,2]" }, UNDECODABLE_RECORD_CODE],
    ]);
    expect(r.origin.get(r.undecodable[1]!.event)).toEqual({ offset: "12", key: "c", exact: true });
    expect(r.bytesIn).toBe(7 + 8 + 5);
  });

  it("skips records at or below the checkpoint, but counts their bytes", async () => {
    const r = await read(
      batchOf([
        { o: "4", k: null, v: '{"n":4}' },
        { o: "5", k: null, v: '{"n":5}' },
        { o: "6", k: null, v: '{"n":6}' },
      ]),
      { skipThrough: 5n },
    );
    expect(r.input).toEqual([{ n: 6 }]);
    expect(r.bytesIn).toBe(21);
  });

  it("keeps watermark records only for a stateful reader, and never as events", async () => {
    const records = [
      { o: "1", k: null, v: "", h: { [WATERMARK_HEADER]: "wm" } },
      { o: "2", k: null, v: '{"n":2}' },
    ];
    expect((await read(batchOf(records))).watermarkRecords).toEqual([]);
    const r = await read(batchOf(records), { watermarks: true });
    expect(r.watermarkRecords).toEqual(["wm"]);
    expect(r.input).toEqual([{ n: 2 }]);
  });

  it("skips records whose fence number was applied, when reading for a stateful stage", async () => {
    const seen = { "s.0": 3 };
    const records = [
      { o: "1", k: null, v: '{"n":1}', h: { [FENCE_HEADER]: "s.0 3" } },
      { o: "2", k: null, v: '{"n":2}', h: { [FENCE_HEADER]: "s.0 4" } },
      { o: "3", k: null, v: '{"n":3}', h: { [FENCE_HEADER]: "s.0 4" } },
    ];
    const r = await read(batchOf(records), { seen });
    expect(r.input).toEqual([{ n: 2 }]);
    expect(r.fencedOut).toBe(2);
    expect(seen).toEqual({ "s.0": 4 });
    // A stateless reader applies them all.
    expect((await read(batchOf(records))).input).toHaveLength(3);
  });

  it("reads dead letters back with their error, and sets replayed records aside for their node", async () => {
    const headers = encodeDeadLetterHeaders({
      version: "v1",
      errorCode: "boom",
      errorMessage: "it failed",
      pipelineId: "p",
      nodeId: "x",
      sourceTopic: "t",
      sourcePartition: 0,
      sourceOffset: "9",
      attempt: 2,
      failedAt: "2026-01-01T09:00:00.000Z",
    });
    const dead = await read(batchOf([{ o: "1", k: "k", v: '{"n":1}', h: headers }], "sluice.w.p.x.dlq"));
    expect(dead.input).toHaveLength(1);
    expect(dead.input[0]).toEqual({
      event: { n: 1 },
      error: { code: "boom", message: "it failed", nodeId: "x", failedAt: "2026-01-01T09:00:00.000Z" },
    });
    // Without readable headers: an unknown error at the batch's failure time.
    const bare = await read(batchOf([{ o: "2", k: null, v: '{"n":2}' }], "sluice.w.p.x.dlq"));
    expect(bare.input[0]).toEqual({
      event: { n: 2 },
      error: { code: "unknown", message: "", nodeId: "", failedAt: FAILED_AT },
    });

    const replayed = await read(
      batchOf([
        { o: "1", k: "k", v: '{"n":1}', h: { [REPLAY_NODE_HEADER]: "second", [REPLAY_ATTEMPTS_HEADER]: "2" } },
        { o: "2", k: "k", v: '{"n":2}', h: { [REPLAY_NODE_HEADER]: "head" } },
        { o: "3", k: "k", v: '{"n":3}', h: { [REPLAY_NODE_HEADER]: "elsewhere" } },
      ]),
    );
    expect(replayed.replays.get("second")).toEqual([{ n: 1 }]);
    expect(replayed.origin.get(replayed.replays.get("second")![0]!)).toEqual({
      offset: "1",
      key: "k",
      exact: true,
      prior: 2,
    });
    expect(replayed.input).toEqual([{ n: 2 }, { n: 3 }]);
  });
});

describe("batch input of a kafka-source head", () => {
  const source = (config: Record<string, unknown>) =>
    ({
      nodes: [{ id: "head", type: "kafka-source", config: { topic: "orders", valueFormat: "json", ...config } }],
      deadLetterInputs: [],
    }) as unknown as Pick<Stage, "nodes" | "deadLetterInputs">;

  it("adds the key and headers, dead-letters a value whose context is not an object, leaves replays as they were", async () => {
    const origin = new WeakMap<EventRecord, Origin>();
    const r = await readBatchInput(
      batchOf([
        { o: "1", k: "u1", v: '{"id":"a"}', h: { tenant: "t1", [FENCE_HEADER]: "3:1" } },
        { o: "2", k: null, v: '{"id":"b","context":"mobile"}' },
        { o: "3", k: "u3", v: '{"id":"c","kafkaKey":"u0"}', h: { [REPLAY_NODE_HEADER]: "head" } },
      ]),
      {
        stage: source({ keyField: "kafkaKey", headersToContext: true }),
        origin,
        failedAt: FAILED_AT,
        watermarks: false,
      },
    );
    expect(r.input).toEqual([
      { id: "a", kafkaKey: "u1", context: { headers: { tenant: "t1" } } },
      { id: "c", kafkaKey: "u0" },
    ]);
    expect(origin.get(r.input[0]!)).toEqual({ offset: "1", key: "u1", exact: true });
    expect(r.undecodable).toEqual([
      { event: { id: "b", context: "mobile" }, error: expect.objectContaining({ code: "record.context-not-object" }) },
    ]);
  });
});
