import { describe, expect, it } from "vitest";
import { schemaFieldTypes } from "./field-types";

describe("schema field types", () => {
  it("types Avro fields as codec.ts decodes them", () => {
    const schema = {
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: { type: "string", logicalType: "uuid" } },
        { name: "qty", type: "int" },
        { name: "cents", type: "long" },
        { name: "price", type: ["null", "double"], default: null },
        { name: "paid", type: "boolean" },
        { name: "placedAt", type: { type: "long", logicalType: "timestamp-millis" } },
        { name: "micros", type: { type: "long", logicalType: "timestamp-micros" } },
        { name: "status", type: { type: "enum", name: "Status", symbols: ["NEW", "PAID"] } },
        { name: "previous", type: ["null", "Status"], default: null },
        { name: "either", type: ["null", "string", "long"], default: null },
        { name: "lines", type: { type: "array", items: "string" } },
        { name: "attrs", type: { type: "map", values: "string" } },
        { name: "ship", type: { type: "record", name: "Ship", fields: [{ name: "zip", type: "string" }] } },
      ],
    };
    expect(schemaFieldTypes("AVRO", JSON.stringify(schema))).toEqual({
      id: "string",
      qty: "integer",
      cents: "integer",
      price: "number",
      paid: "boolean",
      placedAt: "timestamp",
      micros: "integer",
      status: "string",
      previous: "string",
      lines: "array",
      attrs: "object",
      ship: "object",
      "ship.zip": "string",
    });
  });

  it("types the first Protobuf message's fields", () => {
    const proto = `syntax = "proto3";
package shop;
message Order { string id = 1; int64 cents = 2; repeated string items = 3; double rate = 4; bool paid = 5;
  Kind kind = 6; Ship ship = 7; map<string, string> attrs = 8; enum Kind { A = 0; B = 1; } }
message Ship { string zip = 1; int32 floor = 2; }`;
    expect(schemaFieldTypes("PROTOBUF", proto)).toEqual({
      id: "string",
      cents: "integer",
      items: "array",
      rate: "number",
      paid: "boolean",
      kind: "string",
      ship: "object",
      "ship.zip": "string",
      "ship.floor": "integer",
      attrs: "object",
    });
  });

  it("types JSON Schema properties of one type (besides null)", () => {
    const schema = {
      type: "object",
      properties: {
        at: { type: "string", format: "date-time" },
        n: { type: ["integer", "null"] },
        x: { type: ["string", "number"] },
        o: { type: "object", properties: { ok: { type: "boolean" } } },
      },
    };
    expect(schemaFieldTypes("JSON", JSON.stringify(schema))).toEqual({
      at: "timestamp",
      n: "integer",
      o: "object",
      "o.ok": "boolean",
    });
  });
});
