import type { FieldUi } from "@sluice/shared";

/** The part of `z.toJSONSchema` output the form generator reads, with `ui()` metadata merged in. */
export type FieldSchema = Partial<FieldUi> & {
  type?: string | string[];
  properties?: Record<string, FieldSchema>;
  required?: string[];
  items?: FieldSchema;
  enum?: (string | number | boolean)[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: FieldSchema[];
  oneOf?: FieldSchema[];
};

export function typeOf(schema: FieldSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  if (schema.type) return schema.type;
  const alternative = (schema.anyOf ?? schema.oneOf)?.find((s) => s.type !== "null");
  return alternative ? typeOf(alternative) : undefined;
}

/** The enum of a schema, looking through `anyOf` of consts as zod emits for literal unions. */
export function enumOf(schema: FieldSchema): (string | number | boolean)[] | undefined {
  if (schema.enum) return schema.enum;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.every((s) => s.const !== undefined || s.enum))
    return alternatives.flatMap((s) => s.enum ?? [s.const as string]);
  return undefined;
}
