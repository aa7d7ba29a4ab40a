import { describe, expect, it } from "vitest";
import {
  encodeOutbox,
  encodeStoredState,
  markerOffset,
  newMarker,
  parseOutbox,
  readStoredState,
  reviveBinaryValue,
} from "./checkpoint";

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

describe("checkpoint values", () => {
  it("writes the outbox as its id, a newline and the messages, and reads binary values back as bytes", () => {
    const avro = Buffer.from([0, 0, 0, 0, 7, 0xff]);
    const messages = [
      { topic: "t", key: "k", value: avro, headers: { "x-sluice-src": "a 1" } },
      { topic: "u", partition: 2, key: null, value: '{"a":"x\ny"}' },
    ];
    const text = encodeOutbox("41/ab12cd34", messages);
    expect(text.startsWith("41/ab12cd34\n")).toBe(true);
    const back = parseOutbox(text);
    expect(back.id).toBe("41/ab12cd34");
    expect((back.messages[0]!.value as Buffer).equals(avro)).toBe(true);
    expect(back.messages[1]).toEqual(messages[1]);
  });

  it("tags the stored state, and reads a bare snapshot (no tag) as the core with no fences", () => {
    const stored = { core: { windows: [1] }, seen: { "abc.0": 5 }, sources: { streams: {}, families: {} } };
    expect(JSON.parse(encodeStoredState(stored))).toEqual({ "sluice.checkpoint": 2, ...stored });
    expect(readStoredState(encodeStoredState(stored))).toEqual(stored);
    expect(readStoredState(encodeStoredState({ core: null, seen: {} }))).toEqual({ core: undefined, seen: {} });
    expect(readStoredState('{"windows":[2]}')).toEqual({ core: { windows: [2] }, seen: {} });
    expect(readStoredState(null)).toEqual({ core: undefined, seen: {} });
  });

  it("gives every run its own marker that carries the offset applied through", () => {
    const a = newMarker("99");
    const b = newMarker("99");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^99\/[0-9a-f]{8}$/);
    expect(markerOffset(a)).toBe(99n);
  });
});
