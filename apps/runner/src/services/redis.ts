import { Redis } from "ioredis";
import type { Logger } from "../log";
import { withTimeout } from "../timeout";

// Why each connection last failed, so probes can say "ECONNREFUSED" instead of "not connected".
const lastErrors = new WeakMap<Redis, Error>();

/**
 * A Redis connection for BullMQ and live metrics. `maxRetriesPerRequest: null` is what BullMQ
 * requires: commands wait for a reconnect instead of failing while Redis restarts. It connects on
 * first use (`lazyConnect`), so startup can report an unreachable Redis by name.
 */
export function createRedis(url: string, log: Logger, connectionName = "sluice-runner"): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName,
    lazyConnect: true,
    // Back off to 2 s between attempts; never give up (the runner's health turns degraded meanwhile).
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // ioredis emits 'error' on every failed reconnect; log the first of each outage only.
  let down = false;
  redis.on("error", (err: Error) => {
    lastErrors.set(redis, err);
    if (!down) log.warn({ err, module: "redis" }, "Redis connection error");
    down = true;
  });
  redis.on("ready", () => {
    lastErrors.delete(redis);
    if (down) log.info({ module: "redis" }, "Redis connection restored");
    down = false;
  });
  return redis;
}

/**
 * One PING, failing at once while disconnected: queued commands would wait for the reconnect, and a
 * health probe must not pile them up.
 */
export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status === "wait") await redis.connect();
  if (redis.status !== "ready") throw lastErrors.get(redis) ?? new Error(`not connected (${redis.status})`);
  await redis.ping();
}

/** QUIT when connected (lets queued replies arrive), otherwise just drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  await withTimeout(redis.quit(), 2000, "Redis QUIT timed out").catch(() => redis.disconnect());
}

/**
 * Runs a Lua script atomically on the Redis server (EVAL). The script is ours and fixed; no user
 * input is ever part of it, only of its keys and arguments.
 */
export function runRedisScript(redis: Redis, script: string, keys: string[], args: string[]): Promise<unknown> {
  return redis.call("EVAL", script, String(keys.length), ...keys, ...args);
}
