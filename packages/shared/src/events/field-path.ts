import { z } from "zod";
import type { JsonObject, JsonValue } from "./json-value";
import { isJsonObject } from "./json-value";

/**
 * A dotted path into an event, e.g. `props.amount` or `context.page.path`. Numeric segments index
 * arrays (`props.items.0.sku`). No wildcards or escaping: field names with dots are not addressable,
 * which keeps paths readable in forms and unambiguous in design-time field inference.
 */
export const FieldPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/, "Use a dotted field path such as props.amount");
export type FieldPath = z.infer<typeof FieldPath>;

export function splitPath(path: string): string[] {
  return path.split(".");
}

/** Paths come from node configs, so a few hundred at most; past that they are split per call. */
const MAX_CACHED_PATHS = 1024;
const segmentsCache = new Map<string, readonly string[]>();

/** `splitPath`, remembered: read per event by every core that reads or writes fields (never mutate it). */
function segmentsOf(path: string): readonly string[] {
  let segments = segmentsCache.get(path);
  if (segments === undefined) {
    segments = path.split(".");
    if (segmentsCache.size < MAX_CACHED_PATHS) segmentsCache.set(path, segments);
  }
  return segments;
}

/** Reads a value by path; `undefined` when any segment is missing. */
export function getPath(record: JsonValue | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = record;
  for (const segment of segmentsOf(path)) {
    if (Array.isArray(current)) {
      const index = Number(segment);
      current = Number.isInteger(index) ? current[index] : undefined;
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Returns a copy of `record` with `value` at `path`, copying only the objects along the path so
 * untouched sub-trees stay shared (cores must never mutate their input batch). Missing or
 * non-object intermediate values are replaced by objects.
 */
export function setPath(record: JsonObject, path: string, value: JsonValue): JsonObject {
  return setSegments(record, segmentsOf(path), 0, value);
}

/** `target` with `value` at `segments` from `at` on (indexed, not sliced: no array per level). */
function setSegments(target: JsonObject, segments: readonly string[], at: number, value: JsonValue): JsonObject {
  const head = segments[at];
  if (head === undefined) return target;
  const copy: JsonObject = { ...target };
  if (at === segments.length - 1) {
    setOwn(copy, head, value);
    return copy;
  }
  const child = Object.hasOwn(target, head) ? target[head] : undefined;
  setOwn(copy, head, setSegments(isJsonObject(child) ? child : {}, segments, at + 1, value));
  return copy;
}

/** `record[key] = value`, except that `__proto__` becomes a field instead of replacing the prototype. */
function setOwn(record: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/**
 * `record` without the given top-level fields, in one copy (the same object when it has none of them):
 * what `deletePath` of each would give, without a copy per field.
 */
export function withoutFields(record: JsonObject, fields: ReadonlySet<string>): JsonObject {
  let found = false;
  for (const key of fields)
    if (Object.hasOwn(record, key)) {
      found = true;
      break;
    }
  if (!found) return record;
  const kept: JsonObject = {};
  for (const key of Object.keys(record)) if (!fields.has(key)) setOwn(kept, key, record[key]!);
  return kept;
}

/** Returns a copy of `record` without `path`; the same object when the path does not exist. */
export function deletePath(record: JsonObject, path: string): JsonObject {
  return deleteSegments(record, segmentsOf(path), 0);
}

function deleteSegments(target: JsonObject, segments: readonly string[], at: number): JsonObject {
  const head = segments[at];
  if (head === undefined || !Object.hasOwn(target, head)) return target;
  if (at === segments.length - 1) {
    const { [head]: _removed, ...remaining } = target;
    return remaining;
  }
  const child = target[head];
  if (!isJsonObject(child)) return target;
  const updated = deleteSegments(child, segments, at + 1);
  return updated === child ? target : { ...target, [head]: updated };
}
