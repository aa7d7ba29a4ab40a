import { z } from "zod";
import { FieldPath } from "../../events/field-path";
import { expression, issue } from "../config-fields";
import { ui } from "../field-ui";
import { addFields, removeFields } from "../field-set";
import { expressionFieldType } from "../../expr/expression-field-type";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const MapAssignment = z.strictObject({
  target: FieldPath.meta(ui({ title: "Field", widget: "field-path", placeholder: "props.amountCents" })),
  expression: expression("value", { title: "Value", placeholder: "int(event.props.amount * 100)" }),
});
export type MapAssignment = z.infer<typeof MapAssignment>;

export const MapConfig = z
  .strictObject({
    assignments: z
      .array(MapAssignment)
      .max(64)
      .default([])
      .meta(
        ui({
          title: "Set fields",
          description: "Each value is computed from the incoming event (assignments do not see each other's results).",
          widget: "fields-list",
        }),
      ),
    drop: z
      .array(FieldPath)
      .max(64)
      .default([])
      .meta(
        ui({
          title: "Remove fields",
          description: "Removed after the assignments are applied.",
          widget: "list",
        }),
      ),
  })
  .superRefine((config, ctx) => {
    if (config.assignments.length === 0 && config.drop.length === 0)
      issue(ctx, ["assignments"], "Set or remove at least one field");
    const seen = new Set<string>();
    config.assignments.forEach((assignment, i) => {
      if (seen.has(assignment.target))
        issue(ctx, ["assignments", i, "target"], `"${assignment.target}" is assigned twice`);
      seen.add(assignment.target);
    });
  });

export const mapNode = defineNode({
  type: "map",
  typeVersion: 1,
  category: "transform",
  label: "Map",
  description: "Adds, changes or removes fields using expressions.",
  icon: "wand",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "out", label: "Events", kind: "passthrough" }, ERROR_PORT],
  configSchema: MapConfig,
  example: {
    assignments: [
      { target: "props.amountCents", expression: "int(event.props.amount * 100)" },
      { target: "isMobile", expression: 'event.context.userAgent.contains("Mobile")' },
    ],
    drop: ["context.campaign"],
  },
  expressions: (config) =>
    config.assignments.map((assignment, i) => ({
      path: ["assignments", i, "expression"],
      source: assignment.expression,
      kind: "value" as const,
    })),
  outputFields: (config, input) =>
    removeFields(
      addFields(
        input,
        config.assignments.map((a) => a.target),
        Object.fromEntries(
          config.assignments.flatMap((a) => {
            const typing = expressionFieldType(a.expression, input);
            return typing ? [[a.target, typing]] : [];
          }),
        ),
      ),
      config.drop,
    ),
});
