import { durationMs } from "../events/duration";
import { getPath } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import { KEY_TEMPLATE_PLACEHOLDER } from "../nodes/sinks/redis-sink";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { CoreContext, CoreFailure } from "./core-types";

type RedisSinkConfig = NodeConfig<"redis-sink">;

/** A Redis write, independent of any client library; the runner pipelines them per batch. */
export type RedisCommand = (
  | { op: "hset"; key: string; field: string; value: string }
  | { op: "incrby" | "incrbyfloat"; key: string; by: number }
  | { op: "zadd"; key: string; member: string; score: number }
) & { ttlSeconds?: number };

/**
 * Maps records to Redis commands. Counters are not idempotent: a re-delivered batch increments twice,
 * so use hash mode with window results (keyed by windowId) where exact counts matter.
 */
export function createRedisCommandMapper(config: RedisSinkConfig): {
  map(batch: readonly EventRecord[], ctx: CoreContext): { commands: RedisCommand[]; errors: CoreFailure[] };
} {
  const field = config.field ? mustCompile(config.field, "key", "Field") : undefined;
  const value = mustCompile(config.value, "value", "Value");
  const ttl = config.ttl ? { ttlSeconds: Math.max(1, Math.ceil(durationMs(config.ttl) / 1000)) } : {};
  return {
    map(batch, ctx) {
      const commands: RedisCommand[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        try {
          const key = renderKeyTemplate(config.keyTemplate, event);
          const raw = value.evaluate({ event, now: ctx.now });
          if (config.mode === "counter") {
            const by = toNumber(raw, "Counter increment");
            commands.push({ op: Number.isInteger(by) ? "incrby" : "incrbyfloat", key, by, ...ttl });
          } else if (config.mode === "hash") {
            commands.push({
              op: "hset",
              key,
              field: field!.evaluate({ event, now: ctx.now }),
              value: typeof raw === "string" ? raw : JSON.stringify(raw),
              ...ttl,
            });
          } else {
            commands.push({
              op: "zadd",
              key,
              member: field!.evaluate({ event, now: ctx.now }),
              score: toNumber(raw, "Score"),
              ...ttl,
            });
          }
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
        }
      }
      return { commands, errors };
    },
  };
}

/** Fills `{field.path}` placeholders; a missing or non-scalar field is an error for that record. */
export function renderKeyTemplate(template: string, event: EventRecord): string {
  return template.replace(KEY_TEMPLATE_PLACEHOLDER, (_match, path: string) => {
    const value = getPath(event, path);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
    throw new Error(`Key placeholder {${path}} is ${value === undefined ? "missing" : "not a string or number"}`);
  });
}

function toNumber(value: JsonValue, what: string): number {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number))
    throw new Error(`${what} must be a number, got ${JSON.stringify(value)}`);
  return number;
}
