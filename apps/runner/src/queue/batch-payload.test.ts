import { describe, expect, it } from "vitest";
import { decodeBatchPayload, encodeBatchPayload, type PayloadBatch } from "./batch-payload";

describe("batch payload", () => {
  it("round-trips offsets, keys, headers and values with quotes, newlines and non-ASCII text", () => {
    const batch: PayloadBatch = {
      version: "v1",
      topic: "sluice.ws.p.ingest.out",
      partition: 3,
      records: [
        { o: "41", k: "user-1", v: JSON.stringify({ id: "a", note: 'say "hi"\nthen leave' }) },
        { o: "42", k: null, v: "not json at all", h: { "x-sluice-replay-node": "map" } },
        { o: "9007199254740993", k: "ü-2", v: JSON.stringify({ name: "Zoë 🚀", emoji: "🙂" }) },
        { o: "44", k: "", v: "" },
      ],
    };
    expect(decodeBatchPayload(encodeBatchPayload(batch))).toEqual(batch);
  });

  it("round-trips an empty batch (a tick)", () => {
    const tick: PayloadBatch = { version: "v1", topic: "t", partition: 0, records: [] };
    expect(decodeBatchPayload(encodeBatchPayload(tick))).toEqual(tick);
  });

  it("refuses a truncated payload instead of running part of a batch", () => {
    const text = encodeBatchPayload({
      version: "v1",
      topic: "t",
      partition: 0,
      records: [{ o: "1", k: null, v: '{"a":1}' }],
    });
    expect(() => decodeBatchPayload(text.slice(0, -2))).toThrow();
    expect(() => decodeBatchPayload(`${text}x`)).toThrow(/characters of values/);
  });
});
