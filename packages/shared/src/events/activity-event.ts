import { z } from "zod";
import { JsonObject, JsonValue } from "./json-value";

/**
 * Event time as sent by the client: an ISO-8601 timestamp or epoch milliseconds. Both are kept as sent
 * (not normalised) so the raw payload survives into dead-letter records unchanged.
 */
export const EventTime = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]);
export type EventTime = z.infer<typeof EventTime>;

/** Where and on what the event happened. Open-ended: SDKs add their own keys (app, os, campaign...). */
export const EventContext = z
  .object({
    page: z
      .object({
        url: z.string().optional(),
        path: z.string().optional(),
        referrer: z.string().optional(),
        title: z.string().optional(),
      })
      .catchall(JsonValue)
      .optional(),
    userAgent: z.string().optional(),
    ip: z.string().optional(),
    locale: z.string().optional(),
    timezone: z.string().optional(),
    campaign: z.record(z.string(), z.string()).optional(),
    device: z.record(z.string(), JsonValue).optional(),
  })
  .catchall(JsonValue);
export type EventContext = z.infer<typeof EventContext>;

/**
 * The canonical user-activity event envelope: what ingestion accepts after normalisation and what the
 * generator synthesises. `id` is what dedup keys on by default, so producers must reuse it on retry.
 */
export const ActivityEvent = z.object({
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(128),
  userId: z.string().min(1).max(256).nullable(),
  anonymousId: z.string().min(1).max(256).optional(),
  sessionId: z.string().min(1).max(256).optional(),
  /** When it happened on the client (event time): drives windows and sessions. */
  timestamp: EventTime,
  /** When Sluice accepted it (ISO): ingestion time, for freshness and lag in seconds. */
  receivedAt: z.iso.datetime({ offset: true }),
  props: JsonObject,
  context: EventContext,
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;

/**
 * What a client may POST. Server-side defaults fill the rest: `id` (generated when absent, which
 * disables retry-dedup for that event), `timestamp` (= receivedAt), empty props/context.
 * At least one of userId/anonymousId is required, otherwise the event cannot be partitioned by user.
 */
export const IncomingEvent = z
  .object({
    id: z.string().min(1).max(128).optional(),
    type: z.string().min(1).max(128),
    userId: z.string().min(1).max(256).nullish(),
    anonymousId: z.string().min(1).max(256).optional(),
    sessionId: z.string().min(1).max(256).optional(),
    timestamp: EventTime.optional(),
    props: JsonObject.optional(),
    context: EventContext.optional(),
  })
  .refine((event) => event.userId != null || event.anonymousId !== undefined, {
    message: "Either userId or anonymousId is required",
    path: ["userId"],
  });
export type IncomingEvent = z.infer<typeof IncomingEvent>;

/** Top-level fields of the envelope, for design-time field inference. */
export const ACTIVITY_EVENT_FIELDS = [
  "id",
  "type",
  "userId",
  "anonymousId",
  "sessionId",
  "timestamp",
  "receivedAt",
  "props.*",
  "context.*",
] as const;

/** Types of the envelope's fields (`FieldType` of nodes/field-set.ts). */
export const ACTIVITY_EVENT_TYPES = {
  id: "string",
  type: "string",
  userId: "string",
  anonymousId: "string",
  sessionId: "string",
  timestamp: "timestamp",
  receivedAt: "timestamp",
  props: "object",
  context: "object",
} as const;
