import type { EventRecord } from "../events/json-value";
import { createSchemaValidator } from "../json-schema/validate-json-schema";
import type { NodeConfig } from "../nodes/registry";
import type { Core, CoreFailure } from "./core-types";

/** Passes valid events; invalid ones go to errors with every violation (path, keyword, message). */
export function createValidateCore(config: NodeConfig<"validate">): Core {
  const validate = createSchemaValidator(config.schema);
  return {
    process(batch) {
      const out: EventRecord[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        const violations = validate(event);
        const [first] = violations;
        if (!first) {
          out.push(event);
          continue;
        }
        const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
        errors.push({
          event,
          error: { code: "schema.invalid", message: `${first.path} ${first.message}${more}`, details: violations },
        });
      }
      return { outputs: { out }, errors };
    },
  };
}
