// Messages between runner and web (JSON over Redis pub/sub and streams), each a versioned zod schema:
// the writer builds a value of the schema's input type, the reader decodes with decodeMessage() and
// drops what does not parse (a message from an incompatible version is skipped, never fatal).
import { z } from "zod";

/**
 * One runner's metrics for one interval of a pipeline (field `d` of a historyStreamKey() stream entry,
 * 1 s or 10 s). in/out/err/dlq are COUNTS over the interval, so readers add them up across runners;
 * gauges (latency, lag, freshness) take the maximum, the honest worst case.
 */
export const HistoryEntryV1 = z.object({
  runnerId: z.string(),
  /** Epoch ms at the end of the interval. */
  at: z.number(),
  nodes: z.record(
    z.string(),
    z.object({
      in: z.number(),
      out: z.number(),
      err: z.number(),
      dlq: z.number(),
      p50: z.number().nullable().optional(),
      p99: z.number().nullable().optional(),
    }),
  ),
  /** Per edge topic: lag in messages and seconds. */
  edges: z.record(z.string(), z.object({ lag: z.number(), lagSec: z.number().nullable().optional() })).default({}),
  /** Per sink node: freshness in seconds. */
  sinks: z.record(z.string(), z.number().nullable()).default({}),
});
export type HistoryEntryV1 = z.infer<typeof HistoryEntryV1>;

/** Sampled records of one watched output port (tapChannel()): each event is one record's JSON, unmasked. */
export const TapMessageV1 = z.object({
  v: z.literal(1),
  nodeId: z.string(),
  port: z.string(),
  /** Epoch ms when the runner sampled them. */
  at: z.number(),
  events: z.array(z.string()),
});
export type TapMessageV1 = z.infer<typeof TapMessageV1>;

/** An alert transition (alertsChannel()): the AlertEvent row the runner recorded. */
export const AlertTransitionV1 = z.object({
  id: z.string(),
  ruleId: z.string(),
  workspaceId: z.string(),
  pipelineId: z.string(),
  state: z.enum(["firing", "resolved"]),
  value: z.number().nullable(),
  message: z.string(),
  createdAt: z.coerce.date(),
});
export type AlertTransitionV1 = z.infer<typeof AlertTransitionV1>;

/** The raw text of a message as its schema decodes it, or null when it is not JSON or does not match. */
export function decodeMessage<S extends z.ZodType>(schema: S, raw: string): z.infer<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A message as its writer sends it (type-checked against the schema's input). */
export const encodeMessage = <S extends z.ZodType>(_schema: S, message: z.input<S>): string => JSON.stringify(message);
