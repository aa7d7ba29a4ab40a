// The hot-path check of ingest's envelope: the same acceptance as the IncomingEvent zod schema for
// the common, valid shape, without zod's per-field machinery (measured as the largest cost of
// ingest). Anything it does not positively recognise returns undefined and goes through zod, so
// rejected items keep zod's exact issues and messages.
import { EventTime, type IncomingEvent } from "./activity-event";
import type { JsonObject } from "./json-value";

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A JSON value as zod's JsonValue accepts it: strings, finite numbers, booleans, null, arrays, plain objects. */
function isJsonTree(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object":
      if (v === null) return true;
      if (Array.isArray(v)) return v.every((x) => isJsonTree(x, depth + 1));
      if (!isPlainObject(v)) return false;
      for (const key in v) if (!isJsonTree(v[key], depth + 1)) return false;
      return true;
    default:
      return false;
  }
}

const optionalString = (v: unknown, max: number) =>
  v === undefined || (typeof v === "string" && v.length >= 1 && v.length <= max);
const optionalPlainString = (v: unknown) => v === undefined || typeof v === "string";

function isContext(v: Record<string, unknown>): boolean {
  const page = v["page"];
  if (page !== undefined) {
    if (!isPlainObject(page)) return false;
    if (
      !optionalPlainString(page["url"]) ||
      !optionalPlainString(page["path"]) ||
      !optionalPlainString(page["referrer"]) ||
      !optionalPlainString(page["title"])
    )
      return false;
  }
  if (
    !optionalPlainString(v["userAgent"]) ||
    !optionalPlainString(v["ip"]) ||
    !optionalPlainString(v["locale"]) ||
    !optionalPlainString(v["timezone"])
  )
    return false;
  const campaign = v["campaign"];
  if (
    campaign !== undefined &&
    (!isPlainObject(campaign) || Object.values(campaign).some((x) => typeof x !== "string"))
  )
    return false;
  const device = v["device"];
  if (device !== undefined && !isPlainObject(device)) return false;
  return isJsonTree(v);
}

/**
 * The regex zod's ISO date-time check of EventTime runs (its string option's pattern; a string format's
 * whole check is that test), so strings keep zod's own check, not a copy of it, without a safeParse
 * (result and context objects) per event. Undefined if zod ever stops exposing it: then safeParse.
 */
const isoDateTimePattern: RegExp | undefined = (() => {
  const option = EventTime.options[0] as unknown as { _zod?: { def?: { pattern?: unknown } } };
  const pattern = option._zod?.def?.pattern;
  return pattern instanceof RegExp && !pattern.global && !pattern.sticky ? pattern : undefined;
})();

function isEventTime(v: unknown): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0;
  if (typeof v !== "string") return false;
  return isoDateTimePattern ? isoDateTimePattern.test(v) : EventTime.safeParse(v).success;
}

/** The item as IncomingEvent when it is plainly valid; undefined means "ask zod". */
export function fastIncomingEvent(item: unknown): IncomingEvent | undefined {
  if (!isPlainObject(item)) return undefined;
  const { id, type, userId, anonymousId, sessionId, timestamp, props, context } = item;
  if (!optionalString(id, 128) || typeof type !== "string" || type.length < 1 || type.length > 128) return undefined;
  if (
    !(
      userId === undefined ||
      userId === null ||
      (typeof userId === "string" && userId.length >= 1 && userId.length <= 256)
    )
  )
    return undefined;
  if (!optionalString(anonymousId, 256) || !optionalString(sessionId, 256)) return undefined;
  if (userId == null && anonymousId === undefined) return undefined;
  if (timestamp !== undefined && !isEventTime(timestamp)) return undefined;
  if (props !== undefined && !(isPlainObject(props) && isJsonTree(props))) return undefined;
  if (context !== undefined && !(isPlainObject(context) && isContext(context))) return undefined;
  const event: IncomingEvent = { type };
  if (id !== undefined) event.id = id as string;
  if (userId !== undefined) event.userId = userId as string | null;
  if (anonymousId !== undefined) event.anonymousId = anonymousId as string;
  if (sessionId !== undefined) event.sessionId = sessionId as string;
  if (timestamp !== undefined) event.timestamp = timestamp as IncomingEvent["timestamp"];
  if (props !== undefined) event.props = props as JsonObject;
  if (context !== undefined) event.context = context as IncomingEvent["context"];
  return event;
}
