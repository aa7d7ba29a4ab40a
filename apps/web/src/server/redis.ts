import "server-only";
import { Redis } from "ioredis";
import { env } from "./env";

const g = globalThis as unknown as { sluiceRedis?: Redis };

/** One shared command connection per process. Subscribers need their own (see metrics fan-out). */
export function redis(): Redis {
  g.sluiceRedis ??= new Redis(env().REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  return g.sluiceRedis;
}
