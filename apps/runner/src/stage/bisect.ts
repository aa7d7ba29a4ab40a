// Narrowing a failed batch down to the events that fail (on a batch's last attempt), and the results
// of consecutive parts of a batch as one.
import type { OutboxMessage } from "./checkpoint";
import type { CoreResult, EventRecord } from "@sluice/shared";
import { isConnectionError } from "./transient-errors";

/** Stable machine codes for failures the runner itself detects. */
export const NODE_FAILED = "node.failed";

/** A node's result: a core's, and for a sink the messages it produces (kafka-sink; `via` itself: checkpoint.ts). */
export type NodeResult = CoreResult & { produce?: OutboxMessage[] };

/**
 * Bisects `events` after `error` failed them all: each half runs again; a half that fails is split
 * further, and a single event that fails goes to the node's error port with the node's error (for a
 * sink: the database's reason). So one bad event costs about 2·log2(n) runs and never dead-letters
 * its neighbours. `kept` are the events whose run succeeded, in order, aligned with the merged
 * outputs of 1:1 nodes. A lost connection on the way is thrown (the batch waits for the outage).
 */
export async function isolate(
  events: EventRecord[],
  error: unknown,
  run: (subset: EventRecord[]) => Promise<{ result: NodeResult }>,
): Promise<{ result: NodeResult; kept: EventRecord[] }> {
  if (events.length === 1) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    return {
      result: { outputs: {}, errors: [{ event: events[0]!, error: { code: NODE_FAILED, message } }] },
      kept: [],
    };
  }
  const middle = Math.ceil(events.length / 2);
  const parts: { result: NodeResult; kept: EventRecord[] }[] = [];
  for (const half of [events.slice(0, middle), events.slice(middle)]) {
    try {
      parts.push({ ...(await run(half)), kept: half });
    } catch (partError) {
      if (isConnectionError(partError)) throw partError;
      parts.push(await isolate(half, partError, run));
    }
  }
  return { result: mergeResults(parts.map((p) => p.result)), kept: parts.flatMap((p) => p.kept) };
}

/** Results of consecutive parts of a batch as one: outputs, keys, errors and messages in order. */
export function mergeResults(results: NodeResult[]): NodeResult {
  const merged: NodeResult = { outputs: {}, errors: [] };
  for (const result of results) {
    for (const [port, records] of Object.entries(result.outputs)) (merged.outputs[port] ??= []).push(...records);
    for (const [port, keys] of Object.entries(result.keys ?? {})) ((merged.keys ??= {})[port] ??= []).push(...keys);
    merged.errors.push(...result.errors);
    if (result.produce) (merged.produce ??= []).push(...result.produce);
  }
  return merged;
}
