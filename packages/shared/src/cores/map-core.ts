import { deletePath, setPath, withoutFields } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { Core, CoreFailure } from "./core-types";

/**
 * Sets fields from expressions, then removes fields. Every expression sees the incoming event (not
 * the partially updated one), so the order of assignments never matters. An event is either fully
 * mapped or, if any expression fails, sent unchanged to errors.
 */
export function createMapCore(config: NodeConfig<"map">): Core {
  const assignments = config.assignments.map((assignment) => ({
    target: assignment.target,
    expression: mustCompile(assignment.expression, "value", `Value of "${assignment.target}"`),
  }));
  // Top-level fields are dropped in one copy of the event (not one copy per field); nested paths one by one.
  const dropTop = new Set(config.drop.filter((path) => !path.includes(".")));
  const dropNested = config.drop.filter((path) => path.includes("."));
  return {
    process(batch, ctx) {
      const out: EventRecord[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        let values: JsonValue[];
        try {
          values = assignments.map((assignment) => assignment.expression.evaluate({ event, now: ctx.now }));
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
          continue;
        }
        let mapped = event;
        assignments.forEach((assignment, i) => (mapped = setPath(mapped, assignment.target, values[i]!)));
        if (dropTop.size > 0) mapped = withoutFields(mapped, dropTop);
        for (const path of dropNested) mapped = deletePath(mapped, path);
        out.push(mapped);
      }
      return { outputs: { out }, errors };
    },
  };
}
