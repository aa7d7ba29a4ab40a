// Redis key helpers (key names themselves live in packages/shared/src/contract).
import type { Redis } from "ioredis";

/** Deletes every key matching a SCAN pattern, a page at a time (never KEYS on a shared Redis). */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
