// Codecs for the three schema types a Confluent-compatible registry serves. A codec is built once
// per schema (the runner caches it by schema id) and turns payloads into JSON objects (the shape
// every Sluice event has) and back.
import avro from "avsc";
import protobuf from "protobufjs";
import { readMessageIndexes, WireFormatError, writeMessageIndexes } from "./wire-format";

export type SchemaType = "AVRO" | "PROTOBUF" | "JSON";
type JsonObject = { [key: string]: unknown };

export type Codec = {
  schemaType: SchemaType;
  /** The payload after the 5-byte wire-format header. */
  decode(payload: Buffer): JsonObject;
  /** The payload for the wire format (without the header). */
  encode(value: JsonObject): Buffer;
};

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/** Avro values as JSON: bytes and fixed as base64 (Avro's own JSON uses code points), records as plain objects. */
function avroToJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (Array.isArray(value)) return value.map(avroToJson);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) {
    const out: JsonObject = {};
    for (const [key, inner] of Object.entries(value)) out[key] = avroToJson(inner);
    return out;
  }
  return value;
}

function avroCodec(schema: string): Codec {
  // Unions stay unwrapped where a value says which branch it is; ambiguous ones ({"long": 1}) are wrapped.
  const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
  return {
    schemaType: "AVRO",
    decode(payload) {
      let value: unknown;
      try {
        value = type.fromBuffer(payload);
      } catch (e) {
        throw new WireFormatError(
          "registry.decode-failed",
          `Avro payload does not match its schema: ${(e as Error).message}`,
        );
      }
      const json = avroToJson(value);
      if (!isObject(json)) throw new WireFormatError("registry.decode-failed", "Avro value is not a record");
      return json;
    },
    encode(value) {
      const errors: string[] = [];
      const valid = type.isValid(value, { errorHook: (path) => errors.push(path.join(".") || "(value)") });
      if (!valid)
        throw new WireFormatError(
          "registry.encode-failed",
          `record does not match the Avro schema at ${errors.slice(0, 5).join(", ")}`,
        );
      return type.toBuffer(value);
    },
  };
}

/** A .proto file's messages in the order the message indexes count them (nested ones below their parent). */
export function protoRoot(schema: string): { messages: protobuf.Type[] } {
  const parsed = protobuf.parse(schema, { keepCase: true });
  const namespace = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  if (!(namespace instanceof protobuf.Namespace)) throw new Error("the .proto file has no messages");
  const messages = namespace.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
  if (messages.length === 0) throw new Error("the .proto file has no messages");
  parsed.root.resolveAll();
  return { messages };
}

function messageAt(messages: readonly protobuf.Type[], indexes: readonly number[]): protobuf.Type {
  let list = messages;
  let type: protobuf.Type | undefined;
  for (const index of indexes) {
    type = list[index];
    if (!type)
      throw new WireFormatError("registry.decode-failed", `the schema has no message at index [${indexes.join(", ")}]`);
    list = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
  }
  return type!;
}

function protobufCodec(schema: string, encodeIndexes: readonly number[] = [0]): Codec {
  const { messages } = protoRoot(schema);
  return {
    schemaType: "PROTOBUF",
    decode(payload) {
      const { indexes, rest } = readMessageIndexes(payload);
      const type = messageAt(messages, indexes);
      try {
        // The proto3 JSON mapping: 64-bit integers as strings, enums by name, bytes as base64.
        return type.toObject(type.decode(rest), {
          longs: String,
          enums: String,
          bytes: String,
          defaults: true,
        }) as JsonObject;
      } catch (e) {
        throw new WireFormatError(
          "registry.decode-failed",
          `Protobuf payload does not match its schema: ${(e as Error).message}`,
        );
      }
    },
    encode(value) {
      const type = messageAt(messages, encodeIndexes);
      let message: protobuf.Message;
      try {
        message = type.fromObject(value);
      } catch (e) {
        throw new WireFormatError(
          "registry.encode-failed",
          `record does not match the Protobuf message ${type.name}: ${(e as Error).message}`,
        );
      }
      const problem = type.verify(message);
      if (problem)
        throw new WireFormatError(
          "registry.encode-failed",
          `record does not match the Protobuf message ${type.name}: ${problem}`,
        );
      return Buffer.concat([writeMessageIndexes(encodeIndexes), type.encode(message).finish()]);
    },
  };
}

function jsonSchemaCodec(schema: string): Codec {
  JSON.parse(schema);
  return {
    schemaType: "JSON",
    decode(payload) {
      let value: unknown;
      try {
        value = JSON.parse(payload.toString("utf8"));
      } catch {
        throw new WireFormatError("registry.decode-failed", "JSON Schema payload is not JSON");
      }
      if (!isObject(value))
        throw new WireFormatError("registry.decode-failed", "JSON Schema payload is not a JSON object");
      return value;
    },
    encode: (value) => Buffer.from(JSON.stringify(value), "utf8"),
  };
}

/** Throws (a plain Error) when the schema text does not parse. */
export function createCodec(schemaType: SchemaType, schema: string): Codec {
  if (schemaType === "AVRO") return avroCodec(schema);
  if (schemaType === "PROTOBUF") return protobufCodec(schema);
  return jsonSchemaCodec(schema);
}

// ---------------------------------------------------------------------------------------------
// Field paths a schema declares (the designer's known output fields)
// ---------------------------------------------------------------------------------------------

const MAX_DEPTH = 6;
const MAX_FIELDS = 500;

type AvroSchemaJson =
  | string
  | AvroSchemaJson[]
  | { type: unknown; name?: string; fields?: { name: string; type: unknown }[]; items?: unknown; values?: unknown };

function avroFieldPaths(
  schema: AvroSchemaJson,
  prefix: string,
  depth: number,
  out: string[],
  named: Map<string, AvroSchemaJson>,
): void {
  if (out.length >= MAX_FIELDS || depth > MAX_DEPTH) return;
  if (typeof schema === "string") {
    const ref = named.get(schema);
    if (ref) avroFieldPaths(ref, prefix, depth, out, named);
    return;
  }
  if (Array.isArray(schema)) {
    for (const branch of schema) avroFieldPaths(branch, prefix, depth, out, named);
    return;
  }
  if (typeof schema.type === "object" && schema.type !== null)
    return avroFieldPaths(schema.type as AvroSchemaJson, prefix, depth, out, named);
  if (schema.type === "record" && schema.fields) {
    if (schema.name) named.set(schema.name, schema);
    for (const field of schema.fields) {
      const path = prefix ? `${prefix}.${field.name}` : field.name;
      out.push(path);
      avroFieldPaths(field.type as AvroSchemaJson, path, depth + 1, out, named);
    }
  } else if (schema.type === "map" && prefix) {
    out.push(`${prefix}.*`);
  }
}

function protobufFieldPaths(type: protobuf.Type, prefix: string, depth: number, out: string[]): void {
  if (out.length >= MAX_FIELDS || depth > MAX_DEPTH) return;
  for (const field of type.fieldsArray) {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    out.push(path);
    field.resolve();
    if (field.map) out.push(`${path}.*`);
    else if (!field.repeated && field.resolvedType instanceof protobuf.Type)
      protobufFieldPaths(field.resolvedType, path, depth + 1, out);
  }
}

type JsonSchemaJson = { type?: unknown; properties?: Record<string, JsonSchemaJson>; additionalProperties?: unknown };

function jsonSchemaFieldPaths(schema: JsonSchemaJson, prefix: string, depth: number, out: string[]): void {
  if (out.length >= MAX_FIELDS || depth > MAX_DEPTH || typeof schema !== "object" || schema === null) return;
  for (const [name, inner] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(path);
    jsonSchemaFieldPaths(inner, path, depth + 1, out);
  }
}

/**
 * The field paths (dotted, `a.*` for maps) a record of this schema has: Avro's record fields,
 * the first Protobuf message's fields, a JSON Schema's properties. `open`: the schema allows
 * fields it does not name (a JSON Schema without `additionalProperties: false`).
 */
export function schemaFields(schemaType: SchemaType, schema: string): { paths: string[]; open: boolean } {
  const out: string[] = [];
  if (schemaType === "AVRO") {
    avroFieldPaths(JSON.parse(schema) as AvroSchemaJson, "", 0, out, new Map());
    return { paths: out, open: false };
  }
  if (schemaType === "PROTOBUF") {
    protobufFieldPaths(protoRoot(schema).messages[0]!, "", 0, out);
    return { paths: out, open: false };
  }
  const json = JSON.parse(schema) as JsonSchemaJson;
  jsonSchemaFieldPaths(json, "", 0, out);
  return { paths: out, open: json.additionalProperties !== false };
}

/**
 * An Avro record schema for records with these top-level fields (dotted paths are reduced to
 * their first segment): each field optional, of type null, boolean, double or string. Nested
 * objects and arrays do not fit it and fail the encode (the record goes to the error port).
 */
export function deriveAvroSchema(name: string, paths: readonly string[]): string {
  const top = [...new Set(paths.map((p) => p.split(".")[0]!).filter((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)))].sort();
  const safeName = name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z_])/, "_$1") || "Record";
  return JSON.stringify({
    type: "record",
    name: safeName,
    namespace: "sluice",
    fields: top.map((field) => ({ name: field, type: ["null", "boolean", "double", "string"], default: null })),
  });
}
