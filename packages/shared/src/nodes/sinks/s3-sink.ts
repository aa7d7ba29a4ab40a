import { z } from "zod";
import { parseKeyTemplate } from "../../cores/object-files";
import { fieldPath, issue, OutputFieldName, secretRef } from "../config-fields";
import { isPrivateHost } from "../../events/ip-address";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const ParquetColumnType = z.enum(["auto", "string", "int64", "double", "boolean", "timestamp", "json"]);
export type ParquetColumnType = z.infer<typeof ParquetColumnType>;

/**
 * A listed Parquet column. `typeDefault` is what a column saved without a type means: "auto" since
 * version 2 of the node; "string" in version 1 (nodes saved before columns were typed).
 */
function parquetColumn(typeDefault: "auto" | "string") {
  return z.strictObject({
    name: OutputFieldName.meta(ui({ title: "Column", widget: "text", placeholder: "user_id" })),
    field: fieldPath({ title: "Field", placeholder: "userId" }),
    type: ParquetColumnType.default(typeDefault).meta(
      ui({
        title: "Type",
        description: `${
          typeDefault === "auto"
            ? "auto (default): the field's type where the nodes upstream know it (window results, CEL types, schemas), else string. string: text, other values as JSON."
            : "string (default for this node, saved before columns were typed): text, other values as JSON. auto: the field's type where the nodes upstream know it, else string."
        } timestamp: from an ISO time or epoch ms (UTC milliseconds). json: the value as JSON text.`,
        widget: "select",
      }),
    ),
  });
}

export const ParquetColumn = parquetColumn("auto");
export type ParquetColumn = z.infer<typeof ParquetColumn>;

const parquetOnly = { field: "format", oneOf: ["parquet"] } as const;

function s3SinkConfig(columnTypeDefault: "auto" | "string") {
  return z
    .strictObject({
      endpoint: z
        .url({ protocol: /^https?$/ })
        .optional()
        .meta(
          ui({
            title: "Endpoint URL",
            description:
              "Empty for AWS S3. Otherwise the store's S3 API: Cloudflare R2 (https://<account>.r2.cloudflarestorage.com), GCS interoperability (https://storage.googleapis.com), MinIO.",
            widget: "url",
            placeholder: "https://storage.googleapis.com",
          }),
        ),
      region: z
        .string()
        .regex(/^[a-z0-9-]{1,32}$/, "A region name such as us-east-1 (R2: auto)")
        .default("us-east-1")
        .meta(ui({ title: "Region", description: "Default us-east-1. R2: auto.", widget: "text" })),
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "3-63 lower-case letters, digits, '.' and '-'")
        .meta(ui({ title: "Bucket", widget: "text", placeholder: "analytics-lake" })),
      allowPrivateEndpoint: z
        .boolean()
        .default(false)
        .meta(
          ui({
            title: "Allow a private endpoint",
            description:
              "Off: endpoints resolving to localhost, private or link-local addresses are refused (protects internal services). On takes effect only where the operator also allows it (runner ALLOW_PRIVATE_WEBHOOKS=true), e.g. for a MinIO next to the runner. Default off.",
            widget: "toggle",
            advanced: true,
          }),
        ),
      forcePathStyle: z
        .boolean()
        .default(false)
        .meta(
          ui({
            title: "Path-style URLs",
            description:
              "endpoint/bucket/key instead of bucket.endpoint/key: needed by MinIO and most self-hosted stores.",
            widget: "toggle",
          }),
        ),
      credentialsSecretId: secretRef("object-storage", {
        title: "Access key",
        description:
          "A workspace secret holding ACCESS_KEY_ID:SECRET_ACCESS_KEY. Empty: the runner's own credentials (instance role, environment).",
      }).optional(),
      keyTemplate: z
        .string()
        .min(1)
        .max(512)
        .default("events/dt={yyyy}-{MM}-{dd}/hour={HH}/")
        .meta(
          ui({
            title: "Object key prefix",
            description:
              "Folders for each file, from the event time (UTC) {yyyy} {MM} {dd} {HH} {mm} and fields {event.type}; ends with /. File names are generated from the source offsets, so a re-run overwrites instead of duplicating.",
            widget: "text",
            placeholder: "events/dt={yyyy}-{MM}-{dd}/hour={HH}/",
          }),
        ),
      eventTimeField: fieldPath({
        title: "Event time field",
        description: "ISO timestamp or epoch ms, for the key's time tokens. Default timestamp.",
      }).default("timestamp"),
      format: z
        .enum(["jsonl", "parquet"])
        .default("jsonl")
        .meta(
          ui({
            title: "Format",
            description:
              "jsonl: one JSON event per line. parquet: typed columns (the list below, or every field known to arrive here when it is empty).",
            widget: "select",
          }),
        ),
      gzip: z
        .boolean()
        .default(false)
        .meta(
          ui({
            title: "Gzip",
            description: "Writes .jsonl.gz.",
            widget: "toggle",
            visibleWhen: { field: "format", oneOf: ["jsonl"] },
          }),
        ),
      compression: z
        .enum(["snappy", "zstd", "gzip", "none"])
        .default("snappy")
        .meta(
          ui({
            title: "Parquet compression",
            description: "Default snappy.",
            widget: "select",
            visibleWhen: parquetOnly,
          }),
        ),
      columns: z
        .array(parquetColumn(columnTypeDefault))
        .max(256)
        .default([])
        .meta(ui({ title: "Parquet columns", widget: "fields-list", visibleWhen: parquetOnly })),
      maxRecordsPerFile: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(100_000)
        .meta(
          ui({
            title: "Records per file",
            description:
              "A batch's events go to one file per folder, rolled over at this many records. Default 100000.",
            widget: "number",
            advanced: true,
          }),
        ),
      rollIntervalSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .optional()
        .meta(
          ui({
            title: "Roll files every",
            description:
              "Collects a partition's events for up to this long before writing them (sooner when a file is full; at most 10000 records or 16 MiB per write), so files are fewer and larger. Their offsets stay uncommitted meanwhile: a crash re-runs them into files of the same names. Empty: every batch of the pipeline (about 20 ms) is written at once.",
            widget: "number",
            unit: "seconds",
            advanced: true,
          }),
        ),
      maxBytesPerFile: z
        .number()
        .int()
        .min(1024)
        .max(4 * 1024 ** 3)
        .default(64 * 1024 ** 2)
        .meta(
          ui({
            title: "Bytes per file",
            description:
              "Rolled over at this much JSON (before compression). Default 64 MiB. Files over 8 MiB are sent as multipart uploads.",
            widget: "number",
            unit: "bytes",
            advanced: true,
          }),
        ),
    })
    .superRefine((config, ctx) => {
      if (
        config.endpoint &&
        !config.allowPrivateEndpoint &&
        URL.canParse(config.endpoint) &&
        isPrivateHost(new URL(config.endpoint).hostname)
      ) {
        issue(
          ctx,
          ["endpoint"],
          "This endpoint is a private or local address; enable 'Allow a private endpoint' if that is intended",
        );
      }
      const template = parseKeyTemplate(config.keyTemplate);
      if (!template.ok) issue(ctx, ["keyTemplate"], template.message);
      const names = new Set<string>();
      config.columns.forEach((column, i) => {
        if (names.has(column.name)) issue(ctx, ["columns", i, "name"], `Column "${column.name}" is listed twice`);
        names.add(column.name);
      });
    });
}

export const S3SinkConfig = s3SinkConfig("auto");
export type S3SinkConfig = z.infer<typeof S3SinkConfig>;
/** Version 1's config: listed columns without a type are string, as they were when it was current. */
const S3SinkConfigV1 = s3SinkConfig("string");

export const s3SinkNode = defineNode({
  type: "s3-sink",
  typeVersion: 2,
  category: "sink",
  label: "Object storage (S3)",
  description:
    "Writes records as JSON Lines or Parquet files to an S3-API bucket (AWS S3, Cloudflare R2, GCS interoperability, MinIO), in folders from the event time. Exactly once per file: file names come from the source offsets, so a re-run after a crash overwrites the same objects. Parquet columns listed without a type are auto (typed from the fields known upstream); nodes saved as version 1, before columns were typed, keep string for them.",
  icon: "bucket",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [
    {
      ...ERROR_PORT,
      description:
        "Events without an event time or with values that do not fit their column, and batches the store refused.",
    },
  ],
  configSchema: S3SinkConfig,
  example: {
    bucket: "analytics-lake",
    region: "us-east-1",
    credentialsSecretId: "sec_lake",
    keyTemplate: "events/dt={yyyy}-{MM}-{dd}/hour={HH}/",
    format: "parquet",
    compression: "snappy",
    columns: [
      { name: "event_id", field: "id", type: "string" },
      { name: "event_type", field: "type", type: "string" },
      { name: "user_id", field: "userId", type: "string" },
      { name: "occurred_at", field: "timestamp", type: "timestamp" },
    ],
  },
  fieldRefs: (config) => [
    { path: ["eventTimeField"], field: config.eventTimeField },
    ...config.columns.map((column, i) => ({ path: ["columns", i, "field"], field: column.field })),
  ],
});

/**
 * Version 1, for nodes saved before Parquet columns were typed: the same node except that a listed
 * column without a type stays string, so a redeploy does not change the files' schema.
 */
export const s3SinkNodeV1 = defineNode({ ...s3SinkNode, typeVersion: 1, configSchema: S3SinkConfigV1 });
