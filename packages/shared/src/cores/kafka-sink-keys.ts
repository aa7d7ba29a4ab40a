import type { EventRecord } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { CoreContext, CoreResult } from "./core-types";

/**
 * Keys for records published by kafka-sink. Without a key expression the incoming keys are kept
 * (no `keys` in the result), so the external topic is partitioned like the pipeline.
 */
export function kafkaSinkKeys(
  config: NodeConfig<"kafka-sink">,
): (batch: readonly EventRecord[], ctx: CoreContext) => CoreResult {
  const key = config.key ? mustCompile(config.key, "key", "Message key") : undefined;
  return (batch, ctx) => {
    if (!key) return { outputs: { out: [...batch] }, errors: [] };
    const result: CoreResult = { outputs: { out: [] }, keys: { out: [] }, errors: [] };
    for (const event of batch) {
      try {
        const computed = key.evaluate({ event, now: ctx.now });
        result.outputs.out!.push(event);
        result.keys!.out!.push(computed);
      } catch (error) {
        result.errors.push({ event, error: toRecordError(error) });
      }
    }
    return result;
  };
}
