import type { JsonValue } from "../events/json-value";
import { isJsonObject } from "../events/json-value";
import { compileUserRegex } from "../expr/user-regex";
import { matchesFormat } from "./formats";
import type { JsonSchemaSubset, JsonSchemaType } from "./json-schema-subset";

export type SchemaViolation = { path: string; keyword: string; message: string };

export type SchemaValidator = (value: JsonValue) => SchemaViolation[];

/** Stop collecting after this many violations: enough to fix an event, bounded for DLQ headers. */
const MAX_VIOLATIONS = 20;

/**
 * Builds a validator for a supported-subset schema by interpreting it.
 *
 * Why not ajv: ajv compiles every schema to JavaScript source and instantiates it with
 * `new Function` (ajv/dist/compile/index.js); it has no interpreting mode, and its "standalone"
 * output is still generated code. Schemas here are user input, and our rule is that user input never
 * becomes code. An interpreter over a small, explicit subset is safe, runs in the browser, and gives
 * messages we control. Patterns are compiled once here, on the linear-time RE2 engine (user-regex.ts).
 */
export function createSchemaValidator(schema: JsonSchemaSubset): SchemaValidator {
  const check = compileNode(schema);
  return (value) => {
    const violations: SchemaViolation[] = [];
    check(value, "", violations);
    return violations;
  };
}

type Check = (value: JsonValue, path: string, out: SchemaViolation[]) => void;

function compileNode(schema: JsonSchemaSubset): Check {
  const checks: Check[] = [];
  const add = (keyword: string, test: (value: JsonValue) => string | undefined): void => {
    checks.push((value, path, out) => {
      const message = test(value);
      if (message !== undefined && out.length < MAX_VIOLATIONS) out.push({ path: path || "(root)", keyword, message });
    });
  };

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    add("type", (value) => {
      for (const type of types) if (isType(value, type)) return undefined;
      return `must be ${types.join(" or ")}, got ${typeName(value)}`;
    });
  }
  if (schema.enum !== undefined) {
    const allowed = schema.enum.map((item) => JSON.stringify(item));
    // A string's JSON text equals another's exactly when the strings are equal: no serialising per event.
    const strings = new Set(schema.enum.filter((item) => typeof item === "string"));
    add("enum", (value) =>
      (typeof value === "string" ? strings.has(value) : allowed.includes(JSON.stringify(value)))
        ? undefined
        : `must be one of ${allowed.join(", ")}`,
    );
  }
  if (schema.const !== undefined) {
    const expected = JSON.stringify(schema.const);
    add("const", (value) => (JSON.stringify(value) === expected ? undefined : `must be ${expected}`));
  }
  addNumberChecks(schema, add);
  addStringChecks(schema, add);
  addArrayChecks(schema, add, checks);
  addObjectChecks(schema, add, checks);

  return (value, path, out) => {
    for (const check of checks) check(value, path, out);
  };
}

type AddCheck = (keyword: string, test: (value: JsonValue) => string | undefined) => void;

function addNumberChecks(schema: JsonSchemaSubset, add: AddCheck): void {
  const numeric = (test: (n: number) => string | undefined) => (value: JsonValue) =>
    typeof value === "number" ? test(value) : undefined;
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  if (minimum !== undefined)
    add(
      "minimum",
      numeric((n) => (n >= minimum ? undefined : `must be >= ${minimum}`)),
    );
  if (maximum !== undefined)
    add(
      "maximum",
      numeric((n) => (n <= maximum ? undefined : `must be <= ${maximum}`)),
    );
  if (exclusiveMinimum !== undefined)
    add(
      "exclusiveMinimum",
      numeric((n) => (n > exclusiveMinimum ? undefined : `must be > ${exclusiveMinimum}`)),
    );
  if (exclusiveMaximum !== undefined)
    add(
      "exclusiveMaximum",
      numeric((n) => (n < exclusiveMaximum ? undefined : `must be < ${exclusiveMaximum}`)),
    );
  if (multipleOf !== undefined) {
    // Tolerate float noise (0.3 / 0.1 = 2.9999999999999996).
    add(
      "multipleOf",
      numeric((n) => {
        const quotient = n / multipleOf;
        return Math.abs(quotient - Math.round(quotient)) < 1e-9 ? undefined : `must be a multiple of ${multipleOf}`;
      }),
    );
  }
}

function addStringChecks(schema: JsonSchemaSubset, add: AddCheck): void {
  const text = (test: (s: string) => string | undefined) => (value: JsonValue) =>
    typeof value === "string" ? test(value) : undefined;
  const { minLength, maxLength, pattern, format } = schema;
  // Length in code points, as JSON Schema specifies (an emoji counts as one character). A string of
  // n UTF-16 units has between n/2 and n code points: they are counted only when that range straddles the limit.
  if (minLength !== undefined)
    add(
      "minLength",
      text((s) =>
        s.length >= 2 * minLength || codePoints(s) >= minLength
          ? undefined
          : `must have at least ${minLength} characters`,
      ),
    );
  if (maxLength !== undefined)
    add(
      "maxLength",
      text((s) =>
        s.length <= maxLength || codePoints(s) <= maxLength ? undefined : `must have at most ${maxLength} characters`,
      ),
    );
  if (pattern !== undefined) {
    const compiled = compileUserRegex(pattern);
    // The schema's zod refinement already refused patterns RE2 cannot run.
    if (!compiled.ok) throw new Error(`pattern ${pattern}: ${compiled.reason}`);
    const { regex } = compiled;
    add(
      "pattern",
      text((s) => (regex.test(s) ? undefined : `must match ${pattern}`)),
    );
  }
  if (format !== undefined)
    add(
      "format",
      text((s) => (matchesFormat(format, s) ? undefined : `must be a valid ${format}`)),
    );
}

function addArrayChecks(schema: JsonSchemaSubset, add: AddCheck, checks: Check[]): void {
  const list = (test: (items: JsonValue[]) => string | undefined) => (value: JsonValue) =>
    Array.isArray(value) ? test(value) : undefined;
  const { minItems, maxItems, items } = schema;
  if (minItems !== undefined)
    add(
      "minItems",
      list((a) => (a.length >= minItems ? undefined : `must have at least ${minItems} items`)),
    );
  if (maxItems !== undefined)
    add(
      "maxItems",
      list((a) => (a.length <= maxItems ? undefined : `must have at most ${maxItems} items`)),
    );
  if (items !== undefined) {
    const itemCheck = compileNode(items);
    checks.push((value, path, out) => {
      if (Array.isArray(value)) value.forEach((item, i) => itemCheck(item, join(path, String(i)), out));
    });
  }
}

function addObjectChecks(schema: JsonSchemaSubset, add: AddCheck, checks: Check[]): void {
  const object = (test: (o: { [key: string]: JsonValue }) => string | undefined) => (value: JsonValue) =>
    isJsonObject(value) ? test(value) : undefined;
  const { required, minProperties, maxProperties, additionalProperties } = schema;
  if (minProperties !== undefined)
    add(
      "minProperties",
      object((o) =>
        Object.keys(o).length >= minProperties ? undefined : `must have at least ${minProperties} properties`,
      ),
    );
  if (maxProperties !== undefined)
    add(
      "maxProperties",
      object((o) =>
        Object.keys(o).length <= maxProperties ? undefined : `must have at most ${maxProperties} properties`,
      ),
    );

  const properties = Object.entries(schema.properties ?? {}).map(([name, child]) => ({
    name,
    check: compileNode(child),
    pathOf: childPath(name),
  }));
  const declared = new Set(properties.map(({ name }) => name));
  const extraCheck = typeof additionalProperties === "object" ? compileNode(additionalProperties) : undefined;
  checks.push((value, path, out) => {
    if (!isJsonObject(value)) return;
    for (const name of required ?? []) {
      if (!Object.hasOwn(value, name) && out.length < MAX_VIOLATIONS)
        out.push({ path: join(path, name), keyword: "required", message: "is required" });
    }
    for (const { name, check, pathOf } of properties) {
      const child = value[name];
      if (child !== undefined && Object.hasOwn(value, name)) check(child, pathOf(path), out);
    }
    if (additionalProperties === undefined || additionalProperties === true) return;
    for (const [name, child] of Object.entries(value)) {
      if (declared.has(name)) continue;
      if (extraCheck) extraCheck(child, join(path, name), out);
      else if (out.length < MAX_VIOLATIONS)
        out.push({ path: join(path, name), keyword: "additionalProperties", message: "is not allowed" });
    }
  });
}

function isType(value: JsonValue, type: JsonSchemaType): boolean {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "object":
      return isJsonObject(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function typeName(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function join(path: string, segment: string): string {
  return path ? `${path}.${segment}` : segment;
}

/** `join(path, name)`, remembered for the last path (a property of the root is checked at "" for every event). */
function childPath(name: string): (path: string) => string {
  let lastPath = "";
  let last = name;
  return (path) => {
    if (path !== lastPath) {
      lastPath = path;
      last = join(path, name);
    }
    return last;
  };
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
