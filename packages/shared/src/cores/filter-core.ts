import type { EventRecord } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { Core, CoreFailure } from "./core-types";

/** Keeps events whose condition is true; a condition that fails on an event sends it to errors. */
export function createFilterCore(config: NodeConfig<"filter">): Core {
  const condition = mustCompile(config.condition, "predicate", "Filter condition");
  return {
    process(batch, ctx) {
      const out: EventRecord[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        try {
          if (condition.evaluate({ event, now: ctx.now })) out.push(event);
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
        }
      }
      return { outputs: { out }, errors };
    },
  };
}
