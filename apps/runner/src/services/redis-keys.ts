// Redis key names that more than one layer uses, and key helpers.
import type { Redis } from "ioredis";

/** Per stateful node: hash of partition -> "<watermark ms>:<written at ms>" (written by the stage step, read by snapshots, cleared by a reset). */
export const watermarkKey = (pipelineId: string, nodeId: string) => `sluice:watermarks:${pipelineId}:${nodeId}`;

/** Deletes every key matching a SCAN pattern, a page at a time (never KEYS on a shared Redis). */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
