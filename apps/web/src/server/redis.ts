import "server-only";
import { Redis } from "ioredis";
import { env } from "./env";
import { singleton } from "./singleton";

/** One shared command connection per process. Subscribers need their own (see metrics fan-out). */
export const redis = singleton(
  "redis",
  () => new Redis(env().REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }),
);
