import { describe, expect, it } from "vitest";
import { createCodec, deriveAvroSchema, schemaFields } from "./codec";
import {
  joinWireFormat,
  readMessageIndexes,
  splitWireFormat,
  WireFormatError,
  writeMessageIndexes,
} from "./wire-format";

// Golden payloads were produced by the reference encoders, not by the code under test:
//   avsc 5.7.9:       avro.Type.forSchema(AVRO_SCHEMA).toBuffer(AVRO_VALUE).toString("hex")
//   protobufjs 8.8.1: Type.encode(Type.fromObject(value)).finish() for shop.Order / shop.Refund
// (a one-off script with the same schemas and values). Read by hand, the Avro bytes are: 04 75 31
// ("u1"), 54 (zigzag 42), 02 (union branch 1) + 8 bytes little-endian 9.5, 04 61/62 00 (block of
// two strings, end), 0e "1.2.3.4". The wire-format header (00 + big-endian id) and the Protobuf
// message indexes (zigzag varints: [1] = 02 02) follow Confluent's serializers.
const AVRO_SCHEMA = JSON.stringify({
  type: "record",
  name: "PageView",
  namespace: "web",
  fields: [
    { name: "userId", type: "string" },
    { name: "count", type: "long" },
    { name: "price", type: ["null", "double"], default: null },
    { name: "tags", type: { type: "array", items: "string" } },
    { name: "ctx", type: { type: "record", name: "Ctx", fields: [{ name: "ip", type: "string" }] } },
  ],
});
const AVRO_VALUE = { userId: "u1", count: 42, price: 9.5, tags: ["a", "b"], ctx: { ip: "1.2.3.4" } };
const AVRO_GOLDEN = "047531540200000000000023400402610262000e312e322e332e34";

const PROTO_SCHEMA = `syntax = "proto3";
package shop;
message Order { string id = 1; int64 cents = 2; repeated string items = 3; }
message Refund { string order_id = 1; int32 amount = 2; Reason reason = 3; enum Reason { UNKNOWN = 0; DAMAGED = 1; } }`;
const ORDER_GOLDEN = "0a036f2d3110b5b8f0fe2d1a01781a0179";
const REFUND_GOLDEN = "0a036f2d3110fa011801";

const hex = (text: string) => Buffer.from(text, "hex");

describe("Confluent wire format", () => {
  it("splits and joins magic byte, big-endian schema id and payload", () => {
    const value = joinWireFormat(258, hex("abcd"));
    expect(value.toString("hex")).toBe("0000000102abcd");
    expect(splitWireFormat(value)).toEqual({ schemaId: 258, payload: hex("abcd") });
  });

  it("refuses values without the magic byte or too short for a schema id", () => {
    for (const value of [Buffer.from('{"a":1}'), hex("00000001"), hex("")]) {
      expect(() => splitWireFormat(value)).toThrow(WireFormatError);
      try {
        splitWireFormat(value);
      } catch (e) {
        expect((e as WireFormatError).code).toBe("registry.not-wire-format");
      }
    }
  });

  it("writes and reads Protobuf message indexes as Confluent does", () => {
    expect(writeMessageIndexes([0]).toString("hex")).toBe("00");
    expect(writeMessageIndexes([1]).toString("hex")).toBe("0202");
    expect(writeMessageIndexes([1, 2]).toString("hex")).toBe("040204");
    expect(writeMessageIndexes([70]).toString("hex")).toBe("028c01");
    for (const indexes of [[0], [1], [1, 2], [70], [3, 0, 5]]) {
      const bytes = Buffer.concat([writeMessageIndexes(indexes), hex("ff")]);
      expect(readMessageIndexes(bytes)).toEqual({ indexes, rest: hex("ff") });
    }
    expect(() => readMessageIndexes(hex("0480"))).toThrow(WireFormatError);
  });
});

describe("Avro codec (avsc)", () => {
  const codec = createCodec("AVRO", AVRO_SCHEMA);

  it("decodes avsc's bytes into a JSON object", () => {
    expect(codec.decode(hex(AVRO_GOLDEN))).toEqual(AVRO_VALUE);
  });

  it("encodes to the same bytes avsc writes, and round-trips", () => {
    expect(codec.encode(AVRO_VALUE).toString("hex")).toBe(AVRO_GOLDEN);
    const other = { userId: "ü-2", count: -7, price: null, tags: [], ctx: { ip: "::1" } };
    expect(codec.decode(codec.encode(other))).toEqual(other);
  });

  it("fails clearly on a payload that does not fit and on a value that does not match", () => {
    expect(() => codec.decode(hex("04"))).toThrow(/Avro payload does not match its schema/);
    expect(() => codec.encode({ userId: 5 })).toThrow(/does not match the Avro schema at userId/);
  });

  it("turns bytes into base64", () => {
    const bytes = createCodec(
      "AVRO",
      JSON.stringify({ type: "record", name: "B", fields: [{ name: "b", type: "bytes" }] }),
    );
    expect(bytes.decode(hex("0401ff"))).toEqual({ b: "Af8=" });
  });
});

describe("Protobuf codec (protobufjs)", () => {
  const codec = createCodec("PROTOBUF", PROTO_SCHEMA);

  it("decodes protobufjs's bytes for the first message (index [0] as the single byte 0)", () => {
    expect(codec.decode(Buffer.concat([hex("00"), hex(ORDER_GOLDEN)]))).toEqual({
      id: "o-1",
      cents: "12345678901",
      items: ["x", "y"],
    });
  });

  it("decodes the second message by its message index [1]", () => {
    expect(codec.decode(Buffer.concat([hex("0202"), hex(REFUND_GOLDEN)]))).toEqual({
      order_id: "o-1",
      amount: 250,
      reason: "DAMAGED",
    });
  });

  it("encodes the first message to protobufjs's bytes behind index [0], and round-trips", () => {
    const value = { id: "o-1", cents: "12345678901", items: ["x", "y"] };
    expect(codec.encode(value).toString("hex")).toBe(`00${ORDER_GOLDEN}`);
    expect(codec.decode(codec.encode({ id: "", cents: "0", items: [] }))).toEqual({ id: "", cents: "0", items: [] });
  });

  it("refuses an index the schema does not have", () => {
    expect(() => codec.decode(Buffer.concat([hex("0206"), hex(REFUND_GOLDEN)]))).toThrow(/no message at index \[3\]/);
  });
});

describe("JSON Schema codec", () => {
  const codec = createCodec("JSON", JSON.stringify({ type: "object", properties: { a: { type: "number" } } }));
  it("reads and writes UTF-8 JSON objects", () => {
    expect(codec.decode(Buffer.from('{"a":1,"b":"ü"}'))).toEqual({ a: 1, b: "ü" });
    expect(codec.encode({ a: 2 }).toString()).toBe('{"a":2}');
    expect(() => codec.decode(Buffer.from("[1]"))).toThrow(/not a JSON object/);
    expect(() => codec.decode(Buffer.from("{"))).toThrow(/not JSON/);
  });
});

describe("schema fields", () => {
  it("lists Avro record fields, nested records included", () => {
    expect(schemaFields("AVRO", AVRO_SCHEMA)).toEqual({
      paths: ["userId", "count", "price", "tags", "ctx", "ctx.ip"],
      open: false,
    });
  });

  it("lists the first Protobuf message's fields", () => {
    expect(schemaFields("PROTOBUF", PROTO_SCHEMA)).toEqual({ paths: ["id", "cents", "items"], open: false });
  });

  it("lists JSON Schema properties; open unless additionalProperties is false", () => {
    const schema = { type: "object", properties: { a: { type: "object", properties: { b: { type: "string" } } } } };
    expect(schemaFields("JSON", JSON.stringify(schema))).toEqual({ paths: ["a", "a.b"], open: true });
    expect(schemaFields("JSON", JSON.stringify({ ...schema, additionalProperties: false })).open).toBe(false);
  });
});

describe("derived Avro schema", () => {
  it("has one optional scalar field per top-level field and encodes matching records", () => {
    const schema = deriveAvroSchema("orders-value", ["user", "amount", "ctx.ip", "ok"]);
    expect(JSON.parse(schema)).toMatchObject({
      type: "record",
      name: "orders_value",
      fields: [{ name: "amount" }, { name: "ctx" }, { name: "ok" }, { name: "user" }],
    });
    const codec = createCodec("AVRO", schema);
    const record = { user: "u1", amount: 12.5, ok: true, ctx: null };
    expect(codec.decode(codec.encode(record))).toEqual(record);
    expect(() => codec.encode({ ctx: { ip: "x" } })).toThrow(/does not match the Avro schema at ctx/);
  });
});
