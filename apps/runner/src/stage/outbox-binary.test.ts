import { describe, expect, it } from "vitest";
import { reviveBinaryValue } from "./stage-step";

// A stateful stage checkpoints its outgoing messages as JSON (the outbox); kafka-sink's Avro values
// are bytes and must come back as the same bytes when an earlier run's outbox is sent again.
describe("outbox JSON", () => {
  it("reads binary message values back as bytes and leaves text values and headers alone", () => {
    const avro = Buffer.from([0, 0, 0, 0, 7, 0x02, 0x61, 0xff]);
    const messages = [
      { topic: "t", key: "k", value: avro, headers: { "x-sluice-src": "a 1" } },
      { topic: "t", key: null, value: JSON.stringify({ type: "Buffer", data: [1, 2] }) },
    ];
    const back = JSON.parse(JSON.stringify(messages), reviveBinaryValue) as typeof messages;
    expect(Buffer.isBuffer(back[0]!.value)).toBe(true);
    expect((back[0]!.value as Buffer).equals(avro)).toBe(true);
    expect(back[0]!.headers).toEqual({ "x-sluice-src": "a 1" });
    expect(back[1]!.value).toBe('{"type":"Buffer","data":[1,2]}');
  });
});
