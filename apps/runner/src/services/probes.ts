// One probe per external service: used by /healthz and, at start, to wait for the services.
import type { Redis } from "ioredis";
import type { RunnerEnv } from "../env";
import type { KafkaAdmin } from "@sluice/kafka";
import type { Postgres } from "./postgres";
import { pingRedis } from "./redis";

export type Probe = {
  name: "postgres" | "redis" | "kafka";
  /** The variable an operator changes when this service cannot be reached. */
  envVar: "DATABASE_URL" | "REDIS_URL" | "KAFKA_BROKERS";
  /** Where the service is expected, without credentials. */
  target: string;
  check(): Promise<void>;
};

/** host:port of a URL, never its credentials. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return "(unparseable URL)";
  }
}

export function serviceProbes(env: RunnerEnv, deps: { postgres: Postgres; redis: Redis; kafka: KafkaAdmin }): Probe[] {
  return [
    { name: "postgres", envVar: "DATABASE_URL", target: hostOf(env.DATABASE_URL), check: () => deps.postgres.ping() },
    {
      name: "redis",
      envVar: "REDIS_URL",
      target: hostOf(env.REDIS_URL),
      check: () => pingRedis(deps.redis),
    },
    { name: "kafka", envVar: "KAFKA_BROKERS", target: env.KAFKA_BROKERS.join(","), check: () => deps.kafka.ping() },
  ];
}
