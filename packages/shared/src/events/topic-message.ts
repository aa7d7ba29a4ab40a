import { z } from "zod";
import { JsonObject } from "./json-value";

/**
 * Why a record was dead-lettered and where it came from. Carried as Kafka headers (strings) so the
 * raw value stays untouched and the dead-letter inbox can group by `code` and replay from the source
 * topic/partition/offset.
 */
export const DeadLetterHeadersV1 = z.object({
  version: z.literal("v1"),
  /** Stable machine code, e.g. `expression.evaluation`, `schema.invalid`, `sink.write-failed`. */
  errorCode: z.string().min(1),
  errorMessage: z.string(),
  pipelineId: z.string().min(1),
  nodeId: z.string().min(1),
  sourceTopic: z.string().min(1).optional(),
  sourcePartition: z.number().int().nonnegative().optional(),
  sourceOffset: z.string().regex(/^\d+$/).optional(),
  /** 1 on the first failure; replays increment it so a poison event cannot loop forever. */
  attempt: z.number().int().positive(),
  failedAt: z.iso.datetime(),
});
export type DeadLetterHeadersV1 = z.infer<typeof DeadLetterHeadersV1>;

/** A record on a pipeline topic (edge or dead-letter topic). */
export const TopicMessageV1 = z.object({
  version: z.literal("v1"),
  /** Partition key; null lets the producer spread records round-robin (sources before key-by). */
  key: z.string().nullable(),
  value: JsonObject,
  /** Present only on dead-letter records. */
  deadLetter: DeadLetterHeadersV1.optional(),
});
export type TopicMessageV1 = z.infer<typeof TopicMessageV1>;

/**
 * The key records carry until a key-by node re-keys them: the user, else the anonymous visitor, so
 * one user's events (and their client retries, which dedup must see together) share a partition.
 */
const DEFAULT_KEY_FIELDS = ["userId", "anonymousId", "id"] as const;

export function defaultPartitionKey(record: JsonObject): string | null {
  for (const field of DEFAULT_KEY_FIELDS) {
    const value = record[field];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

const HEADER_PREFIX = "x-sluice-";

/** Kafka header map (string values) for a dead-letter record. */
export function encodeDeadLetterHeaders(headers: DeadLetterHeadersV1): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) encoded[HEADER_PREFIX + toKebab(name)] = String(value);
  }
  return encoded;
}

/** Parses headers written by encodeDeadLetterHeaders; unrelated headers are ignored. */
export function decodeDeadLetterHeaders(
  headers: Record<string, string | undefined>,
): ReturnType<typeof DeadLetterHeadersV1.safeParse> {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(DeadLetterHeadersV1.shape)) {
    const value = headers[HEADER_PREFIX + toKebab(name)];
    if (value === undefined) continue;
    raw[name] = name === "sourcePartition" || name === "attempt" ? Number(value) : value;
  }
  return DeadLetterHeadersV1.safeParse(raw);
}

function toKebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Topic names are derived, never stored, so web (tap, topic browser) and runner agree. Node ids and
 * port names are restricted to [A-Za-z0-9_-] (see PipelineNode and route ports), which keeps these
 * valid Kafka topic names. The `error` port *is* the node's dead-letter topic: connecting it just
 * adds a consumer, so the inbox sees every failure whether or not the port is wired.
 */
export function portTopicName(pipelineId: string, nodeId: string, port: string): string {
  return port === "error" ? deadLetterTopicName(pipelineId, nodeId) : `sluice.${pipelineId}.${nodeId}.${port}`;
}

export function deadLetterTopicName(pipelineId: string, nodeId: string): string {
  return `sluice.${pipelineId}.${nodeId}.dlq`;
}
