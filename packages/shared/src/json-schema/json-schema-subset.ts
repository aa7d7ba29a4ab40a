import { z } from "zod";
import { compileUserRegex } from "../expr/user-regex";
import { JsonValue } from "../events/json-value";
import type { FieldType } from "../nodes/field-set";

export const JsonSchemaType = z.enum(["string", "number", "integer", "boolean", "object", "array", "null"]);
export type JsonSchemaType = z.infer<typeof JsonSchemaType>;

export const JsonSchemaFormat = z.enum(["date-time", "date", "email", "uri", "uuid", "ipv4", "ipv6"]);
export type JsonSchemaFormat = z.infer<typeof JsonSchemaFormat>;

/**
 * The JSON Schema subset the validate node supports. Anything else (`$ref`, `oneOf`, `if`...) is
 * rejected when the node is configured rather than silently ignored, so "valid" always means what
 * the user wrote.
 */
export type JsonSchemaSubset = {
  $schema?: string;
  $id?: string;
  $comment?: string;
  title?: string;
  description?: string;
  default?: JsonValue;
  examples?: JsonValue[];
  type?: JsonSchemaType | JsonSchemaType[];
  enum?: JsonValue[];
  const?: JsonValue;
  properties?: { [name: string]: JsonSchemaSubset };
  required?: string[];
  additionalProperties?: boolean | JsonSchemaSubset;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchemaSubset;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: JsonSchemaFormat;
};

const count = z.number().int().nonnegative();

export const JsonSchemaSubset: z.ZodType<JsonSchemaSubset> = z.lazy(() =>
  z.strictObject(
    {
      $schema: z.string().optional(),
      $id: z.string().optional(),
      $comment: z.string().optional(),
      title: z.string().optional(),
      description: z.string().optional(),
      default: JsonValue.optional(),
      examples: z.array(JsonValue).optional(),
      type: z.union([JsonSchemaType, z.array(JsonSchemaType).min(1)]).optional(),
      enum: z.array(JsonValue).min(1).optional(),
      const: JsonValue.optional(),
      properties: z.record(z.string(), JsonSchemaSubset).optional(),
      required: z.array(z.string()).optional(),
      additionalProperties: z.union([z.boolean(), JsonSchemaSubset]).optional(),
      minProperties: count.optional(),
      maxProperties: count.optional(),
      items: JsonSchemaSubset.optional(),
      minItems: count.optional(),
      maxItems: count.optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      exclusiveMinimum: z.number().optional(),
      exclusiveMaximum: z.number().optional(),
      multipleOf: z.number().positive().optional(),
      minLength: count.optional(),
      maxLength: count.optional(),
      pattern: z
        .string()
        .superRefine((pattern, ctx) => {
          const compiled = compileUserRegex(pattern);
          if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.reason });
        })
        .optional(),
      format: JsonSchemaFormat.optional(),
    },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `Unsupported JSON Schema keyword${iss.keys.length > 1 ? "s" : ""}: ${iss.keys.join(", ")}`
          : undefined,
    },
  ),
);

/**
 * Dotted paths of every declared property, e.g. `props.amount`, for design-time field inference.
 * Paths start at the validated record's root.
 */
export function schemaFieldPaths(schema: JsonSchemaSubset, prefix = ""): string[] {
  const paths: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    paths.push(path, ...schemaFieldPaths(child, path));
  }
  return paths;
}

/**
 * The type each declared property's values have once a record passed the schema: one JSON type
 * (or one besides null); `string` with format date-time is a timestamp. Mixed types are left out.
 */
export function schemaFieldTypes(schema: JsonSchemaSubset, prefix = ""): Record<string, FieldType> {
  const types: Record<string, FieldType> = {};
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const declared = (Array.isArray(child.type) ? child.type : child.type ? [child.type] : []).filter(
      (t): t is Exclude<JsonSchemaType, "null"> => t !== "null",
    );
    const type = declared.length === 1 ? declared[0]! : undefined;
    if (type) types[path] = type === "string" && child.format === "date-time" ? "timestamp" : type;
    Object.assign(types, schemaFieldTypes(child, path));
  }
  return types;
}
