import { Optional } from "@marcbachmann/cel-js";
import type { JsonValue } from "../events/json-value";

/**
 * Converts a CEL result into plain JSON so it can be written into an event: CEL ints are BigInt,
 * timestamps are Date, bytes are Uint8Array, maps may be Map. Throws on values JSON cannot hold
 * (NaN/Infinity), which the caller reports as an evaluation error for that event.
 */
export function celToJson(value: unknown): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new RangeError(`Expression produced ${value}, which JSON cannot represent`);
      return value;
    case "bigint":
      // Beyond 2^53 a JS number would silently round; a string keeps the exact value.
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case "undefined":
      return null;
    case "object":
      return objectToJson(value);
    default:
      throw new TypeError(`Expression produced a ${typeof value}, which JSON cannot represent`);
  }
}

function objectToJson(value: object | null): JsonValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(celToJson);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value instanceof Optional) return value.hasValue() ? celToJson(value.value()) : null;
  if (value instanceof Map) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, entry] of value) out[String(key)] = celToJson(entry);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, entry] of Object.entries(value)) out[key] = celToJson(entry);
    return out;
  }
  // CEL library value classes (uint, duration, type) print as their CEL literal form.
  return String(value);
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
