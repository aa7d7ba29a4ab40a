import { setPath } from "../events/field-path";
import type { EventRecord, JsonObject } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { AsyncCore, CoreFailure } from "./core-types";

/**
 * Fetches reference data for distinct keys, once per batch. Returns found rows/hashes by key; missing
 * keys are absent (or null). Implemented by the runner (Postgres/Redis, with the config's cache TTL)
 * and by the preview (sample table). Throwing fails the whole batch, which the runner retries: a
 * lookup outage is transient and must not dead-letter good events.
 */
export type EnrichLookup = (keys: readonly string[]) => Promise<ReadonlyMap<string, JsonObject | null>>;

export function createEnrichCore(config: NodeConfig<"enrich">, lookup: EnrichLookup): AsyncCore {
  const keyOf = mustCompile(config.key, "key", "Lookup key");
  return {
    async process(batch, ctx) {
      const errors: CoreFailure[] = [];
      const keyed: { event: EventRecord; key: string }[] = [];
      for (const event of batch) {
        try {
          keyed.push({ event, key: keyOf.evaluate({ event, now: ctx.now }) });
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
        }
      }
      const found =
        keyed.length === 0 ? new Map<string, JsonObject | null>() : await lookup([...new Set(keyed.map((k) => k.key))]);
      const out: EventRecord[] = [];
      for (const { event, key } of keyed) {
        const row = found.get(key) ?? null;
        if (row !== null) out.push(setPath(event, config.target, row));
        else if (config.onMissing === "null") out.push(setPath(event, config.target, null));
        else if (config.onMissing === "skip") out.push(event);
        else
          errors.push({
            event,
            error: { code: "enrich.not-found", message: `No ${config.lookup.kind} entry for key "${key}"` },
          });
      }
      return { outputs: { out }, errors };
    },
  };
}
