import { z } from "zod";

/** Anything that survives JSON.stringify/parse unchanged: what events, configs and state are made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    // JSON has no NaN/Infinity; accepting them would make state snapshots lossy.
    z.number().refine(Number.isFinite, "Number must be finite"),
    z.boolean(),
    z.null(),
    z.array(JsonValue),
    z.record(z.string(), JsonValue),
  ]),
);

export const JsonObject: z.ZodType<JsonObject> = z.record(z.string(), JsonValue);

/**
 * One record flowing along an edge. Activity events are the common case, but window and session
 * results and dead-letter records flow through the same ports, so cores work on plain JSON objects.
 */
export type EventRecord = JsonObject;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
