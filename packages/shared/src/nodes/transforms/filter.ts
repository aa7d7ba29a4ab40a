import { z } from "zod";
import { expression } from "../config-fields";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const FilterConfig = z.strictObject({
  condition: expression("predicate", {
    title: "Keep events where",
    description:
      "A CEL condition on `event`. Events where it is false are dropped; events where it fails go to Errors.",
    placeholder: 'event.type == "purchase" && event.props.amount > 10',
  }),
});

export const filterNode = defineNode({
  type: "filter",
  typeVersion: 1,
  category: "transform",
  label: "Filter",
  description: "Keeps only the events that match a condition.",
  icon: "filter",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "out", label: "Matching", kind: "passthrough" }, ERROR_PORT],
  configSchema: FilterConfig,
  example: { condition: 'event.type == "purchase" && event.props.amount > 10' },
  expressions: (config) => [{ path: ["condition"], source: config.condition, kind: "predicate" }],
});
