import { IncomingEvent } from "../events/activity-event";
import { fastIncomingEvent } from "../events/incoming-event-fast";
import {
  DEFAULT_EVENT_TIME_WINDOW,
  type EventTimeWindow,
  eventTimeOutsideWindow,
  toEpochMs,
  toIso,
} from "../events/event-time";
import { describeJsonProblem, findJsonProblem } from "../events/json-limits";
import { type EventRecord, isJsonObject, type JsonObject, JsonValue } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";

export type IngestOptions = {
  /** Server receive time (epoch ms). */
  receivedAt: number;
  /** Id for events sent without one (the runner passes crypto.randomUUID). */
  newId: () => string;
  /** Filled into context.ip / context.userAgent when the event does not carry them. */
  clientIp?: string;
  userAgent?: string;
  /** Event times accepted relative to `receivedAt`; others are rejected per event. Default DEFAULT_EVENT_TIME_WINDOW. */
  eventTimeWindow?: EventTimeWindow;
};

export type IngestRejection = {
  index: number;
  /** The item as received (wrapped as `{ raw }` when it is not an object), for the dead-letter inbox. */
  event: EventRecord;
  issues: { path: string; message: string }[];
};

export type IngestResult =
  | { ok: true; accepted: EventRecord[]; rejected: IngestRejection[] }
  | { ok: false; status: 400 | 413; message: string };

/**
 * Turns an ingest request body into canonical events: accepts one event, an array, or
 * `{ "batch": [...] }`. Invalid items are rejected individually (the runner reports them in the
 * response and dead-letters them) so one bad event does not fail its whole batch.
 */
export function normalizeIngestPayload(
  body: unknown,
  config: NodeConfig<"http-ingest">,
  options: IngestOptions,
): IngestResult {
  const items = extractItems(body);
  if (!items)
    return { ok: false, status: 400, message: 'Send an event object, an array of events, or { "batch": [...] }' };
  if (items.length > config.maxBatch)
    return { ok: false, status: 413, message: `At most ${config.maxBatch} events per request` };

  const accepted: EventRecord[] = [];
  const rejected: IngestRejection[] = [];
  const receivedAtIso = toIso(options.receivedAt);
  const window = options.eventTimeWindow ?? DEFAULT_EVENT_TIME_WINDOW;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    // Before zod, whose schemas recurse: a deeply nested item fails the request (400), nothing is written.
    const problem = findJsonProblem(item);
    if (problem?.kind === "depth")
      return { ok: false, status: 400, message: `Event ${index}: ${describeJsonProblem(problem)}` };
    if (problem) {
      rejected.push({
        index,
        event: asRecord(item),
        issues: [{ path: problem.path, message: describeJsonProblem(problem) }],
      });
      continue;
    }
    // The common, valid shape without zod; anything else gets zod's verdict and issues.
    let incoming = fastIncomingEvent(item);
    if (!incoming) {
      const parsed = IncomingEvent.safeParse(item);
      if (!parsed.success) {
        rejected.push({
          index,
          event: asRecord(item),
          issues: parsed.error.issues.map((issue) => ({
            path: issue.path.map(String).join("."),
            message: issue.message,
          })),
        });
        continue;
      }
      incoming = parsed.data;
    }
    if (config.requireEventId && incoming.id === undefined) {
      rejected.push({
        index,
        event: asRecord(item),
        issues: [{ path: "id", message: "Event id is required by this endpoint" }],
      });
      continue;
    }
    const eventTime = incoming.timestamp === undefined ? undefined : toEpochMs(incoming.timestamp);
    // A time no date can hold (epoch ms past year 275760) or outside the window would stall windows and sessions.
    const outside =
      incoming.timestamp === undefined
        ? undefined
        : eventTime === undefined
          ? "not a representable time"
          : eventTimeOutsideWindow(eventTime, options.receivedAt, window);
    if (outside) {
      rejected.push({ index, event: asRecord(item), issues: [{ path: "timestamp", message: outside }] });
      continue;
    }
    accepted.push(canonicalEvent(incoming, options, receivedAtIso));
  }
  return { ok: true, accepted, rejected };
}

function extractItems(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isJsonObject(body as JsonValue)) return undefined;
  const batch = (body as { batch?: unknown }).batch;
  if (batch !== undefined) return Array.isArray(batch) ? batch : undefined;
  return [body];
}

function canonicalEvent(incoming: IncomingEvent, options: IngestOptions, receivedAtIso: string): EventRecord {
  const context: JsonObject = { ...(incoming.context as JsonObject | undefined) };
  if (context.ip === undefined && options.clientIp) context.ip = options.clientIp;
  if (context.userAgent === undefined && options.userAgent) context.userAgent = options.userAgent;
  const event: EventRecord = {
    id: incoming.id ?? options.newId(),
    type: incoming.type,
    userId: incoming.userId ?? null,
    timestamp: incoming.timestamp ?? receivedAtIso,
    receivedAt: receivedAtIso,
    props: incoming.props ?? {},
    context,
  };
  if (incoming.anonymousId !== undefined) event.anonymousId = incoming.anonymousId;
  if (incoming.sessionId !== undefined) event.sessionId = incoming.sessionId;
  return event;
}

function asRecord(item: unknown): EventRecord {
  const parsed = JsonValue.safeParse(item);
  if (parsed.success && isJsonObject(parsed.data)) return parsed.data;
  return { raw: parsed.success ? parsed.data : String(item) };
}
