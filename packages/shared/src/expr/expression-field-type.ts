import { type FieldSet, type FieldType, type FieldTyping } from "../nodes/field-set";
import { expressionResultType } from "./compile-expression";

/** What a CEL result type becomes as JSON (cel-to-json.ts): ints stay integers, timestamps become ISO text. */
const CEL_TYPES: Record<string, FieldType> = {
  string: "string",
  int: "integer",
  uint: "integer",
  double: "number",
  bool: "boolean",
  "google.protobuf.Timestamp": "timestamp",
};

const FIELD_REFERENCE = /^\s*event((?:\.[A-Za-z_$][\w$]*)+)\s*$/;

/**
 * The type of a `value` expression's results where it is known: CEL's static type, or the input
 * field's known type for a plain reference (`event.props.amount`). `dyn`, `null`, bytes and
 * durations are not.
 */
export function expressionFieldType(source: string, input: FieldSet): FieldTyping | undefined {
  const reference = FIELD_REFERENCE.exec(source);
  if (reference) return input.types?.[reference[1]!.slice(1)];
  const celType = expressionResultType(source);
  if (celType === undefined) return undefined;
  const type =
    CEL_TYPES[celType] ?? (celType.startsWith("map") ? "object" : celType.startsWith("list") ? "array" : undefined);
  return type ? { type, from: `CEL ${celType}` } : undefined;
}
