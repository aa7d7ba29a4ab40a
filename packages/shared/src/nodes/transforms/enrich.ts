import { z } from "zod";
import { Duration } from "../../events/duration";
import { FieldPath } from "../../events/field-path";
import { expression, secretRef, SqlIdentifier } from "../config-fields";
import { ui } from "../field-ui";
import { addFields } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const PostgresLookup = z.strictObject({
  kind: z.literal("postgres"),
  connectionSecretId: secretRef("postgres", { title: "Connection" }),
  table: z
    .string()
    .regex(/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/, "table or schema.table")
    .meta(
      ui({
        title: "Table",
        widget: "text",
        placeholder: "public.users",
      }),
    ),
  keyColumn: SqlIdentifier.meta(ui({ title: "Key column", widget: "text", placeholder: "id" })),
  columns: z
    .array(SqlIdentifier)
    .min(1)
    .max(64)
    .meta(ui({ title: "Columns to copy", widget: "list" })),
});

export const RedisHashLookup = z.strictObject({
  kind: z.literal("redis"),
  connectionSecretId: secretRef("redis", { title: "Connection" }),
  keyPrefix: z
    .string()
    .max(200)
    .default("")
    .meta(
      ui({
        title: "Key prefix",
        description: "The hash read is <prefix><key>, e.g. user: + the event's user id.",
        widget: "text",
        placeholder: "user:",
      }),
    ),
});

export const EnrichLookupSource = z.discriminatedUnion("kind", [PostgresLookup, RedisHashLookup]);
export type EnrichLookupSource = z.infer<typeof EnrichLookupSource>;

export const EnrichConfig = z.strictObject({
  lookup: EnrichLookupSource.meta(ui({ title: "Look up in", widget: "select" })),
  key: expression("key", { title: "Lookup key", placeholder: "event.userId" }),
  target: FieldPath.meta(
    ui({
      title: "Write result to",
      description: "The looked-up row or hash is stored as an object at this field.",
      widget: "field-path",
      placeholder: "user",
    }),
  ),
  cacheTtl: Duration.default("5m").meta(
    ui({
      title: "Cache for",
      description: "Lookups are cached per worker; 0s disables caching. Default 5m.",
      widget: "duration",
      advanced: true,
    }),
  ),
  onMissing: z
    .enum(["null", "skip", "error"])
    .default("null")
    .meta(
      ui({
        title: "When nothing is found",
        description: "null: write null; skip: leave the event unchanged; error: send to Errors. Default null.",
        widget: "select",
      }),
    ),
});

export const enrichNode = defineNode({
  type: "enrich",
  typeVersion: 1,
  category: "transform",
  label: "Enrich",
  description: "Adds reference data (user plan, product details) from a Postgres table or Redis hash.",
  icon: "database-plus",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "out", label: "Enriched", kind: "passthrough" }, ERROR_PORT],
  configSchema: EnrichConfig,
  example: {
    lookup: {
      kind: "postgres",
      connectionSecretId: "sec_app_db",
      table: "public.users",
      keyColumn: "id",
      columns: ["plan", "country"],
    },
    key: "event.userId",
    target: "user",
  },
  expressions: (config) => [{ path: ["key"], source: config.key, kind: "key" }],
  outputFields: (config, input) =>
    addFields(
      input,
      config.lookup.kind === "postgres"
        ? [config.target, ...config.lookup.columns.map((column) => `${config.target}.${column}`)]
        : [`${config.target}.*`],
    ),
});
