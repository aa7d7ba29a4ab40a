import { Optional } from "@marcbachmann/cel-js";
import type { JsonValue } from "../events/json-value";
import { BUDGET_EXCEEDED, BudgetExceededError, EXPRESSION_LIMITS } from "./expression-budget";

/**
 * Converts a CEL result into plain JSON so it can be written into an event: CEL ints are BigInt,
 * timestamps are Date, bytes are Uint8Array, maps may be Map. Throws on values JSON cannot hold
 * (NaN/Infinity), which the caller reports as an evaluation error for that event, and with
 * BudgetExceededError past `EXPRESSION_LIMITS.resultSize`: a list holding the same list a thousand
 * times is cheap to build but enormous as JSON.
 */
export function celToJson(value: unknown): JsonValue {
  return convert(value, { size: 0 });
}

// Module-level functions, not closures per call: the runner runs under tsx, which names every
// closure it creates (an Object.defineProperty each), and this runs for every event an expression sees.
type Size = { size: number };

function grow(total: Size, by: number): void {
  total.size += by;
  if (total.size > EXPRESSION_LIMITS.resultSize)
    throw new BudgetExceededError(
      `${BUDGET_EXCEEDED}: a result larger than ${EXPRESSION_LIMITS.resultSize} characters of JSON`,
    );
}

function convert(value: unknown, total: Size): JsonValue {
  switch (typeof value) {
    case "string":
      grow(total, value.length + 2);
      return value;
    case "boolean":
      grow(total, 5);
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new RangeError(`Expression produced ${value}, which JSON cannot represent`);
      grow(total, 8);
      return value;
    case "bigint":
      grow(total, 8);
      // Beyond 2^53 a JS number would silently round; a string keeps the exact value.
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case "undefined":
      grow(total, 4);
      return null;
    case "object":
      grow(total, 4);
      return objectToJson(value, total);
    default:
      throw new TypeError(`Expression produced a ${typeof value}, which JSON cannot represent`);
  }
}

function objectToJson(value: object | null, total: Size): JsonValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((entry) => convert(entry, total));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return convert(bytesToBase64(value), total);
  if (value instanceof Optional) return value.hasValue() ? convert(value.value(), total) : null;
  const out: { [key: string]: JsonValue } = {};
  if (value instanceof Map) {
    for (const [key, entry] of value) setKey(out, String(key), convert(entry, total));
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const [key, entry] of Object.entries(value)) setKey(out, key, convert(entry, total));
    return out;
  }
  // CEL library value classes (uint, duration, type) print as their CEL literal form.
  return String(value);
}

/** `{"__proto__": 1}` is an ordinary key in JSON; plain assignment would replace the prototype instead. */
function setKey(out: { [key: string]: JsonValue }, key: string, entry: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value: entry, enumerable: true, writable: true, configurable: true });
  else out[key] = entry;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
