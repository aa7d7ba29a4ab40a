import { z } from "zod";
import { JsonSchemaSubset, schemaFieldPaths, schemaFieldTypes } from "../../json-schema/json-schema-subset";
import { ui } from "../field-ui";
import { addFields, retypeFields, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const ValidateConfig = z.strictObject({
  schema: JsonSchemaSubset.meta(
    ui({
      title: "JSON Schema",
      description:
        "Supported: type, enum, const, properties, required, additionalProperties, items, min/max (and exclusive), multipleOf, minLength/maxLength, pattern, minItems/maxItems, format (date-time, date, email, uri, uuid, ipv4, ipv6).",
      widget: "json-schema",
    }),
  ),
});

export const validateNode = defineNode({
  type: "validate",
  typeVersion: 1,
  category: "transform",
  label: "Validate",
  description: "Checks events against a JSON Schema; invalid events go to Errors with every violation listed.",
  icon: "shield-check",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [
    { name: "out", label: "Valid", kind: "passthrough" },
    { ...ERROR_PORT, label: "Invalid" },
  ],
  configSchema: ValidateConfig,
  example: {
    schema: {
      type: "object",
      required: ["id", "type", "timestamp"],
      properties: {
        id: { type: "string", minLength: 1 },
        type: { type: "string", enum: ["page_view", "click", "add_to_cart", "purchase", "signup"] },
        userId: { type: ["string", "null"] },
        timestamp: { type: ["string", "integer"] },
        props: { type: "object", properties: { amount: { type: "number", minimum: 0 } } },
      },
    },
  },
  // Values pass unchanged: the schema adds what it declares and types the properties it pins down.
  outputFields: (config, input) =>
    retypeFields(addFields(input, schemaFieldPaths(config.schema)), {
      ...input.types,
      ...typedFrom("JSON Schema", schemaFieldTypes(config.schema)),
    }),
});
