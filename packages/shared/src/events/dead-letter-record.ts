import type { EventRecord, JsonValue } from "./json-value";

/** A failure reported by a core for one record; becomes DLQ headers and the inbox's grouping key. */
export type RecordError = {
  /** Stable machine code, e.g. `expression.evaluation`, `schema.invalid`, `event-time.missing`. */
  code: string;
  message: string;
  /** Structured detail (e.g. schema violations), kept small. */
  details?: JsonValue;
};

/** Fields of a dead-letter record, for design-time field inference. */
export const DEAD_LETTER_FIELDS = [
  "event.*",
  "error.code",
  "error.message",
  "error.nodeId",
  "error.failedAt",
  "error.details.*",
] as const;

/**
 * What a node downstream of an `error` port receives: `{ event, error: { code, message, nodeId,
 * failedAt, details? } }`. On the dead-letter topic itself the raw record is the value and the error
 * travels in headers (see DeadLetterHeadersV1); the runner builds this shape when it feeds a consumer.
 */
export function deadLetterRecord(
  event: EventRecord,
  error: RecordError,
  nodeId: string,
  failedAt: string,
): EventRecord {
  const described: EventRecord = { code: error.code, message: error.message, nodeId, failedAt };
  if (error.details !== undefined) described.details = error.details;
  return { event, error: described };
}
