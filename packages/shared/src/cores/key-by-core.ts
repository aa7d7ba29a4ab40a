import type { EventRecord } from "../events/json-value";
import { fnv1a32 } from "../hash/fnv1a";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { Core, CoreFailure } from "./core-types";

/**
 * Computes each event's partition key. Hot keys listed in the config are salted into `key#n`
 * sub-keys, n chosen from the event id so a replayed event always lands on the same sub-key.
 */
export function createKeyByCore(config: NodeConfig<"key-by">): Core {
  const keyOf = mustCompile(config.key, "key", "Partition key");
  const hotKeys = new Set(config.hotKeys);
  return {
    process(batch, ctx) {
      const out: EventRecord[] = [];
      const keys: string[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        let key: string;
        try {
          key = keyOf.evaluate({ event, now: ctx.now });
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
          continue;
        }
        if (config.saltBuckets > 1 && hotKeys.has(key)) {
          const identity = typeof event.id === "string" ? event.id : JSON.stringify(event);
          key = `${key}#${fnv1a32(identity) % config.saltBuckets}`;
        }
        out.push(event);
        keys.push(key);
      }
      return { outputs: { out }, keys: { out: keys }, errors };
    },
  };
}
