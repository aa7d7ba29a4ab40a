// Rate limits that hold across every runner and engine process: one Lua script on Redis keeps, per key,
// the GCRA "theoretical arrival time" on the Redis clock (TIME inside the script, so the runners'
// clocks do not matter), one round trip per request. Redis must never hang or fail a request: while it
// is not connected, does not answer within `timeoutMs` or errs, the same limits are kept in this
// process only (as if it were the only one), logged once per outage.
import type { Redis } from "ioredis";
import type { Logger } from "../log";
import { closeRedis } from "./redis";

export type RateLimiter = {
  /**
   * Takes one request from the bucket at `key`: `rate` per second with one second of burst. Resolves
   * to undefined when the request may go on, else to the whole seconds to wait (at least 1); refused
   * requests are not counted. `rate` 0 = no limit.
   */
  take(key: string, rate: number): Promise<number | undefined>;
  /** Reserves the next send slot at `key`, `spacingMs` after the previous one: resolves to the ms to wait for it. */
  reserve(key: string, spacingMs: number): Promise<number>;
  /** Connects (an unreachable Redis is logged, not thrown: the limits are kept locally meanwhile). */
  start(): Promise<void>;
  close(): Promise<void>;
};

/** How long a request waits for Redis before it is limited locally. */
const DEFAULT_TIMEOUT_MS = 150;
/** After a failed call, requests are limited locally for this long before Redis is asked again. */
const RETRY_REDIS_AFTER_MS = 1000;
/** Beyond this many local buckets or schedules the map starts over, so a flood of keys cannot grow it. */
const MAX_LOCAL_ENTRIES = 10_000;

// KEYS[1]: the key's theoretical arrival time (µs on the Redis clock). ARGV[1]: µs between two
// requests; ARGV[2]: tolerance (µs ahead of now the arrival time may run: the burst); ARGV[3]: 1 to
// reserve (always counted; the answer is the wait), 0 to take (a refused request is not counted).
// Answers the µs to wait, 0 to go at once. The key expires when its arrival time is reached.
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local nxt = tat + tonumber(ARGV[1])
local wait = nxt - now - tonumber(ARGV[2])
if wait > 0 and ARGV[3] == '0' then return math.ceil(wait) end
redis.call('SET', KEYS[1], nxt, 'PX', math.ceil((nxt - now) / 1000))
if wait > 0 then return math.ceil(wait) end
return 0
`;

type LimiterClient = Redis & {
  /** GCRA_SCRIPT as a command (EVALSHA; ioredis loads the script when Redis lacks it). */
  sluiceGcra(key: string, intervalUs: number, toleranceUs: number, reserve: 0 | 1): Promise<number>;
};

export function createRateLimiter(deps: {
  /** Duplicated: the limiter has its own connection, so no other command (a large checkpoint) delays it. */
  redis: Redis;
  log: Logger;
  /** Default 150 ms. */
  timeoutMs?: number;
}): RateLimiter {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = deps.log.child({ module: "rate-limiter" });
  // Commands fail at once while disconnected instead of queueing for the reconnect.
  const client = deps.redis.duplicate({
    connectionName: "sluice-runner-limits",
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  }) as LimiterClient;
  client.defineCommand("sluiceGcra", { numberOfKeys: 1, lua: GCRA_SCRIPT });
  const buckets = new Map<string, { tokens: number; at: number }>();
  const schedules = new Map<string, { next: number }>();
  let down = false;
  let retryAt = 0;

  const failed = (reason: unknown) => {
    retryAt = Date.now() + RETRY_REDIS_AFTER_MS;
    if (down) return;
    down = true;
    log.warn({ err: reason }, "rate limits are kept per process until Redis answers again");
  };
  client.on("error", failed);

  /** The script's answer within the timeout, or undefined (then the caller limits locally). */
  function ask(key: string, intervalUs: number, toleranceUs: number, reserve: 0 | 1): Promise<number | undefined> {
    if (client.status !== "ready" || Date.now() < retryAt) {
      if (client.status === "wait") client.connect().catch(failed);
      if (!down) failed(new Error(`Redis connection is ${client.status}`));
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        failed(new Error(`Redis did not answer within ${timeoutMs} ms`));
        resolve(undefined);
      }, timeoutMs);
      client.sluiceGcra(key, intervalUs, toleranceUs, reserve).then(
        (wait) => {
          if (settled) return;
          clearTimeout(timer);
          if (down) {
            down = false;
            log.info("rate limits are shared through Redis again");
          }
          resolve(Number(wait));
        },
        (err: unknown) => {
          if (settled) return;
          clearTimeout(timer);
          failed(err);
          resolve(undefined);
        },
      );
    });
  }

  return {
    async take(key, rate) {
      if (rate <= 0) return undefined;
      const waitUs = await ask(key, 1e6 / rate, 1e6, 0);
      if (waitUs === undefined) return takeToken(buckets, key, rate, Date.now());
      return waitUs > 0 ? Math.max(1, Math.ceil(waitUs / 1e6)) : undefined;
    },
    async reserve(key, spacingMs) {
      const waitUs = await ask(key, spacingMs * 1000, spacingMs * 1000, 1);
      if (waitUs !== undefined) return waitUs / 1000;
      let schedule = schedules.get(key);
      if (!schedule) {
        if (schedules.size > MAX_LOCAL_ENTRIES) schedules.clear();
        schedule = { next: 0 };
        schedules.set(key, schedule);
      }
      return reserveSlot(schedule, spacingMs, Date.now());
    },
    async start() {
      await client.connect().catch(failed);
    },
    close: () => closeRedis(client),
  };
}

/** Token bucket step in this process: undefined when the request may go on (a token taken), else the seconds to wait. */
function takeToken(
  buckets: Map<string, { tokens: number; at: number }>,
  key: string,
  rate: number,
  now: number,
): number | undefined {
  const bucket = buckets.get(key) ?? { tokens: rate, at: now };
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
  if (buckets.size > MAX_LOCAL_ENTRIES) buckets.clear();
  buckets.set(key, bucket);
  if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  bucket.tokens -= 1;
  return undefined;
}

/** Reserves the next slot of a schedule kept in this process, `spacingMs` after the previous one: the ms to wait. */
export function reserveSlot(schedule: { next: number }, spacingMs: number, now: number): number {
  const at = Math.max(now, schedule.next);
  schedule.next = at + spacingMs;
  return at - now;
}
