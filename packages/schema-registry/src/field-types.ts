// The JSON type each field of a registry schema has once decoded by codec.ts (string, integer,
// number, boolean, timestamp, object, array: the designer's field types), for typed Parquet columns
// downstream. A field whose decoded values can take several shapes (an Avro union of two non-null
// types, a JSON Schema property of two types) is left out.
import protobuf from "protobufjs";
import { protoRoot, type SchemaType } from "./codec";

export type SchemaFieldType = "string" | "integer" | "number" | "boolean" | "timestamp" | "object" | "array";

const MAX_DEPTH = 6;
const MAX_FIELDS = 500;

type AvroNode = string | AvroNode[] | { type: unknown; name?: string; logicalType?: string; fields?: AvroField[] };
type AvroField = { name: string; type: AvroNode };

const AVRO_PRIMITIVES: Record<string, SchemaFieldType> = {
  string: "string",
  bytes: "string",
  int: "integer",
  long: "integer",
  float: "number",
  double: "number",
  boolean: "boolean",
};

/** codec.ts decodes without avsc's logical types: timestamp-millis is epoch ms; micros stay a plain integer. */
const AVRO_LOGICAL: Record<string, SchemaFieldType> = {
  "timestamp-millis": "timestamp",
  "local-timestamp-millis": "timestamp",
};

function avroType(node: AvroNode, named: Map<string, AvroNode>): SchemaFieldType | undefined {
  if (typeof node === "string") {
    if (AVRO_PRIMITIVES[node]) return AVRO_PRIMITIVES[node];
    const ref = named.get(node);
    return ref ? avroType(ref, named) : undefined;
  }
  if (Array.isArray(node)) {
    const branches = node.filter((branch) => branch !== "null");
    return branches.length === 1 ? avroType(branches[0]!, named) : undefined;
  }
  if (node.name) named.set(node.name, node);
  if (node.logicalType && AVRO_LOGICAL[node.logicalType]) return AVRO_LOGICAL[node.logicalType];
  if (typeof node.type === "object" && node.type !== null) return avroType(node.type as AvroNode, named);
  switch (node.type) {
    case "record":
    case "map":
      return "object";
    case "array":
      return "array";
    case "enum":
    case "fixed":
      return "string";
    default:
      return typeof node.type === "string" ? avroType(node.type, named) : undefined;
  }
}

function avroRecord(node: AvroNode, named: Map<string, AvroNode>): AvroField[] | undefined {
  if (typeof node === "string") {
    const ref = named.get(node);
    return ref ? avroRecord(ref, named) : undefined;
  }
  if (Array.isArray(node)) {
    const branches = node.filter((branch) => branch !== "null");
    return branches.length === 1 ? avroRecord(branches[0]!, named) : undefined;
  }
  if (typeof node.type === "object" && node.type !== null) return avroRecord(node.type as AvroNode, named);
  return node.type === "record" ? node.fields : undefined;
}

function avroFieldTypes(
  fields: readonly AvroField[],
  prefix: string,
  depth: number,
  out: Record<string, SchemaFieldType>,
  named: Map<string, AvroNode>,
): void {
  for (const field of fields) {
    if (Object.keys(out).length >= MAX_FIELDS || depth > MAX_DEPTH) return;
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    const type = avroType(field.type, named);
    if (type) out[path] = type;
    const inner = avroRecord(field.type, named);
    if (inner) avroFieldTypes(inner, path, depth + 1, out, named);
  }
}

const PROTOBUF_SCALARS: Record<string, SchemaFieldType> = {
  double: "number",
  float: "number",
  bool: "boolean",
  string: "string",
  bytes: "string",
};

function protobufFieldTypes(type: protobuf.Type, prefix: string, depth: number, out: Record<string, SchemaFieldType>) {
  for (const field of type.fieldsArray) {
    if (Object.keys(out).length >= MAX_FIELDS || depth > MAX_DEPTH) return;
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    field.resolve();
    if (field.map) out[path] = "object";
    else if (field.repeated) out[path] = "array";
    else if (field.resolvedType instanceof protobuf.Type) {
      out[path] = "object";
      protobufFieldTypes(field.resolvedType, path, depth + 1, out);
    } else if (field.resolvedType instanceof protobuf.Enum) out[path] = "string";
    // 64-bit integers decode as strings of digits, which integer columns accept.
    else out[path] = PROTOBUF_SCALARS[field.type] ?? "integer";
  }
}

type JsonSchemaNode = { type?: unknown; format?: unknown; properties?: Record<string, JsonSchemaNode> };

function jsonSchemaFieldTypes(
  schema: JsonSchemaNode,
  prefix: string,
  depth: number,
  out: Record<string, SchemaFieldType>,
) {
  if (depth > MAX_DEPTH || typeof schema !== "object" || schema === null) return;
  for (const [name, inner] of Object.entries(schema.properties ?? {})) {
    if (Object.keys(out).length >= MAX_FIELDS) return;
    const path = prefix ? `${prefix}.${name}` : name;
    const declared = (Array.isArray(inner.type) ? inner.type : [inner.type]).filter(
      (t): t is string => typeof t === "string" && t !== "null",
    );
    const type = declared.length === 1 ? declared[0] : undefined;
    if (type === "string") out[path] = inner.format === "date-time" ? "timestamp" : "string";
    else if (type === "integer" || type === "number" || type === "boolean" || type === "object" || type === "array")
      out[path] = type;
    jsonSchemaFieldTypes(inner, path, depth + 1, out);
  }
}

/** `{ path: type }` for the fields of a schema whose decoded type is certain (paths as schemaFields names them). */
export function schemaFieldTypes(schemaType: SchemaType, schema: string): Record<string, SchemaFieldType> {
  const out: Record<string, SchemaFieldType> = {};
  if (schemaType === "AVRO") {
    const named = new Map<string, AvroNode>();
    const root = JSON.parse(schema) as AvroNode;
    avroType(root, named);
    avroFieldTypes(avroRecord(root, named) ?? [], "", 0, out, named);
  } else if (schemaType === "PROTOBUF") protobufFieldTypes(protoRoot(schema).messages[0]!, "", 0, out);
  else jsonSchemaFieldTypes(JSON.parse(schema) as JsonSchemaNode, "", 0, out);
  return out;
}
