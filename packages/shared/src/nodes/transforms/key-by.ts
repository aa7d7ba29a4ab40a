import { z } from "zod";
import { expression, issue } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const KeyByConfig = z
  .strictObject({
    key: expression("key", {
      title: "Partition key",
      description: "Events with the same key go to the same partition, in order. Default: the user id.",
    }).default("event.userId"),
    partitions: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(12)
      .meta(
        ui({
          title: "Partitions",
          description: "Partitions of the keyed topic: the most workers that can process it in parallel. Default 12.",
          widget: "number",
        }),
      ),
    hotKeys: z
      .array(z.string().min(1))
      .max(100)
      .default([])
      .meta(
        ui({
          title: "Hot keys to spread",
          description:
            "Keys so busy they overload one partition (bots, a test account). Their events are spread over several sub-keys.",
          widget: "list",
          advanced: true,
        }),
      ),
    saltBuckets: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .meta(
        ui({
          title: "Sub-keys per hot key",
          description:
            "1 disables salting. Per-key order and per-key state (sessions) no longer hold for salted keys. Default 1.",
          widget: "number",
          advanced: true,
        }),
      ),
  })
  .superRefine((config, ctx) => {
    if (config.hotKeys.length > 0 && config.saltBuckets < 2)
      issue(ctx, ["saltBuckets"], "Hot keys are only spread with 2 or more sub-keys");
  });

export const keyByNode = defineNode({
  type: "key-by",
  typeVersion: 1,
  category: "transform",
  label: "Key by",
  description:
    "Repartitions the stream by a key (the user by default) so per-key windows and sessions see all of a key's events.",
  icon: "key",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "out", label: "Keyed", kind: "passthrough" }, ERROR_PORT],
  configSchema: KeyByConfig,
  example: { key: "event.userId", partitions: 12 },
  expressions: (config) => [{ path: ["key"], source: config.key, kind: "key" }],
});
