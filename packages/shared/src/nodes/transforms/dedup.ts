import { z } from "zod";
import { Duration } from "../../events/duration";
import { expression, fieldPath } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const DedupConfig = z.strictObject({
  key: expression("key", {
    title: "Duplicate when equal",
    description: "Events with the same key inside the window are duplicates. Default: the event id.",
  }).default("event.id"),
  window: Duration.default("10m").meta(
    ui({
      title: "Remember keys for",
      description: "Event-time span after a key's first occurrence during which repeats are dropped. Default 10m.",
      widget: "duration",
    }),
  ),
  eventTimeField: fieldPath({ title: "Event time field", description: "Default timestamp.", advanced: true }).default(
    "timestamp",
  ),
});

export const dedupNode = defineNode({
  type: "dedup",
  typeVersion: 1,
  category: "transform",
  label: "Deduplicate",
  description: "Drops repeated events (client retries, replays) by key within an event-time window.",
  icon: "copy-minus",
  stateful: true,
  inputs: [EVENTS_IN],
  outputs: [
    { name: "out", label: "First seen", kind: "passthrough" },
    {
      name: "duplicates",
      label: "Duplicates",
      kind: "passthrough",
      unchanged: true,
      description: "Repeats that were dropped, for auditing.",
    },
    ERROR_PORT,
  ],
  configSchema: DedupConfig,
  example: { key: "event.id", window: "10m" },
  expressions: (config) => [{ path: ["key"], source: config.key, kind: "key" }],
  fieldRefs: (config) => [{ path: ["eventTimeField"], field: config.eventTimeField }],
});
