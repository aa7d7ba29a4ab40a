import { z } from "zod";
import { Duration } from "../../events/duration";
import { expression, issue, secretRef, viewNameField } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

/** `{field.path}` placeholders in a key template. */
export const KEY_TEMPLATE_PLACEHOLDER = /\{([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\}/g;

export const RedisSinkConfig = z
  .strictObject({
    connectionSecretId: secretRef("redis", { title: "Connection" }),
    mode: z
      .enum(["hash", "counter", "sorted-set"])
      .default("hash")
      .meta(
        ui({
          title: "Write as",
          description:
            "hash: HSET key field value; counter: INCRBY key value; sorted-set: ZADD key value(score) field(member). Default hash.",
          widget: "select",
        }),
      ),
    keyTemplate: z
      .string()
      .min(1)
      .max(512)
      .meta(
        ui({
          title: "Key",
          description:
            "Redis key with {field.path} placeholders filled from the record, e.g. counts:{eventType}:{windowStart}.",
          widget: "text",
          placeholder: "user:{userId}:last",
        }),
      ),
    field: expression("key", {
      title: "Field / member",
      description: "Hash field (hash mode) or sorted-set member. Not used by counters.",
    }).optional(),
    value: expression("value", {
      title: "Value / increment / score",
      description:
        "Hash value (stored as JSON unless a string), counter increment (integer), or sorted-set score (number).",
    }).default("1"),
    ttl: Duration.optional().meta(
      ui({
        title: "Expire after",
        description: "Sets the key's TTL on every write. Empty: never expires.",
        widget: "duration",
      }),
    ),
    viewName: viewNameField(
      "A view name lets apps read these keys with a read API key: GET /v1/views/<name>?key=… fills the key's placeholder (several placeholders: ?<field.path>=…) and returns the hash, the counter, or the top members (?top=N, default 10) of the sorted set. Empty: not served.",
    ),
  })
  .superRefine((config, ctx) => {
    if (config.mode !== "counter" && !config.field)
      issue(ctx, ["field"], `${config.mode === "hash" ? "Hash" : "Sorted-set"} mode needs a field expression`);
    if ([...config.keyTemplate.matchAll(KEY_TEMPLATE_PLACEHOLDER)].length === 0 && config.keyTemplate.includes("{")) {
      issue(ctx, ["keyTemplate"], "Placeholders look like {field.path}");
    }
  });
export type RedisSinkConfig = z.infer<typeof RedisSinkConfig>;

export const redisSinkNode = defineNode({
  type: "redis-sink",
  typeVersion: 1,
  category: "sink",
  label: "Redis",
  description: "Keeps live state in Redis: hashes, counters or leaderboards (sorted sets).",
  icon: "redis",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [ERROR_PORT],
  configSchema: RedisSinkConfig,
  example: {
    connectionSecretId: "sec_cache",
    mode: "hash",
    keyTemplate: "user:{userId}:last-seen",
    field: "event.type",
    value: "event.timestamp",
    ttl: "7d",
  },
  expressions: (config) => [
    ...(config.field ? [{ path: ["field"], source: config.field, kind: "key" as const }] : []),
    { path: ["value"], source: config.value, kind: "value" as const },
  ],
  fieldRefs: (config) =>
    [...config.keyTemplate.matchAll(KEY_TEMPLATE_PLACEHOLDER)].map((match) => ({
      path: ["keyTemplate"],
      field: match[1]!,
    })),
});
