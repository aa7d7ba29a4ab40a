// The s3-sink executor: a batch's events as JSON Lines or Parquet files on an S3-API store.
//
// Exactly once per file. Every file's name comes from the batch's source (topic, partition, first and
// last offset) plus the node and the file's index (objectFileName), and the stateless chain before a
// sink is deterministic, so running a batch again (a crash or a lost job before its offsets were
// committed) overwrites the very same objects. A re-run may however be cut into batches differently
// (another linger, another fetch): the sink therefore keeps, per source partition, a small manifest
// in the bucket listing the files of its recent batches, written *before* their upload. A batch
// starting at offset F deletes the files of listed batches that start at or after F and that it does
// not overwrite itself: those were written by an earlier run of offsets that were never committed
// (the feeder runs a partition's batches in offset order and commits only whole batches), and this
// run writes their events again.
import { gzipSync, zstdCompressSync } from "node:zlib";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { parquetWriteBuffer, schemaFromColumnData } from "hyparquet-writer";
import type { ColumnSource, SchemaElement } from "hyparquet-writer";
import {
  type CoreFailure,
  type EventRecord,
  getPath,
  groupObjectFiles,
  type JsonValue,
  MANIFEST_FOLDER,
  type NodeConfig,
  objectFileName,
  type ParquetColumnType,
  parseKeyTemplate,
  toEpochMs,
} from "@sluice/shared";
import type { ExecutorContext, NodeRuntime } from "./node-runtime";
import { isConnectionError } from "./transient-errors";
import { privateTargetReason } from "../services/private-targets";

/** Files above this are sent as multipart uploads in parts of this size (S3's minimum part is 5 MiB). */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
/** Batches remembered per partition: far more than can be in flight and uncommitted at once. */
const MANIFEST_BATCHES = 64;

type Manifest = { version: 1; batches: { first: string; last: string; keys: string[] }[] };

export async function s3Sink(config: NodeConfig<"s3-sink">, ctx: ExecutorContext): Promise<NodeRuntime> {
  const parsed = parseKeyTemplate(config.keyTemplate);
  if (!parsed.ok) throw new Error(`key template: ${parsed.message}`);
  const template = parsed.template;
  const credentials = config.credentialsSecretId
    ? parseCredentials(await ctx.secret(config.credentialsSecretId))
    : undefined;
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(credentials ? { credentials } : {}),
    // The engine retries failed batches with backoff and waits out outages: one quick SDK retry only.
    maxAttempts: 2,
    // Checksums only where S3 requires them: R2, GCS interoperability and MinIO versions differ in
    // what they accept of the newer flexible-checksum headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
  const bucket = config.bucket;
  const encode = config.format === "parquet" ? parquetEncoder(config) : jsonlEncoder(config.gzip);

  // As for webhooks: a private endpoint only where both the node and the operator allow it.
  const endpointHost = config.endpoint ? new URL(config.endpoint).hostname : undefined;
  const refusedEndpoint = async (): Promise<string | undefined> => {
    if (!endpointHost || config.allowPrivateEndpoint) return undefined;
    return privateTargetReason(endpointHost);
  };

  const send = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw storeError(error, what);
    }
  };

  const readManifest = async (key: string): Promise<Manifest> => {
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const parsedManifest = JSON.parse((await response.Body?.transformToString()) ?? "") as Manifest;
      return parsedManifest.version === 1 && Array.isArray(parsedManifest.batches)
        ? parsedManifest
        : { version: 1, batches: [] };
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === "NoSuchKey" || error.$metadata.httpStatusCode === 404))
        return { version: 1, batches: [] };
      throw storeError(error, `reading ${key}`);
    }
  };

  const upload = async (key: string, body: Buffer, contentType: string) => {
    if (body.length <= MULTIPART_PART_BYTES) {
      await send(`writing ${key}`, () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
      );
      return;
    }
    const created = await send(`starting the upload of ${key}`, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType })),
    );
    const uploadId = created.UploadId!;
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let offset = 0, number = 1; offset < body.length; offset += MULTIPART_PART_BYTES, number++) {
        const part = body.subarray(offset, offset + MULTIPART_PART_BYTES);
        const sent = await send(`writing part ${number} of ${key}`, () =>
          client.send(
            new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: part }),
          ),
        );
        parts.push({ ETag: sent.ETag!, PartNumber: number });
      }
      await send(`completing ${key}`, () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      // Unfinished parts are billed until aborted; a failed abort is left to the bucket's lifecycle rule.
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
      throw error;
    }
  };

  return {
    kind: "sink",
    async write(batch, _c, source) {
      if (!source) throw new Error("s3-sink needs the batch's source offsets");
      const refused = await refusedEndpoint();
      if (refused)
        return {
          errors: batch.map((event) => ({
            event,
            error: { code: "s3.refused", message: `endpoint refused: ${refused}` },
          })),
        };
      const { rows, errors } = encode.prepare(batch);
      const grouped = groupObjectFiles(rows, {
        template,
        eventTimeField: config.eventTimeField,
        maxRecords: config.maxRecordsPerFile,
        maxBytes: config.maxBytesPerFile,
      });
      errors.push(...grouped.errors);
      if (grouped.files.length === 0) return { errors };
      const files = grouped.files.map((file, i) => ({
        key: file.prefix + objectFileName(source, ctx.nodeId, i, encode.extension),
        events: file.events,
      }));
      const keys = new Set(files.map((f) => f.key));

      const manifestKey = `${template.staticPrefix}${MANIFEST_FOLDER}${ctx.pipelineId}/${ctx.nodeId}/${source.topic}/${source.partition}.json`;
      const manifest = await readManifest(manifestKey);
      const first = BigInt(source.firstOffset);
      const earlier = manifest.batches.filter((b) => BigInt(b.first) < first);
      for (const stale of manifest.batches.filter((b) => BigInt(b.first) >= first)) {
        for (const key of stale.keys) {
          if (!keys.has(key))
            await send(`deleting ${key}`, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
        }
      }
      const next: Manifest = {
        version: 1,
        batches: [
          ...earlier.slice(-(MANIFEST_BATCHES - 1)),
          { first: source.firstOffset, last: source.lastOffset, keys: [...keys] },
        ],
      };
      await send(`writing ${manifestKey}`, () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: manifestKey,
            Body: JSON.stringify(next),
            ContentType: "application/json",
          }),
        ),
      );

      for (const file of files) await upload(file.key, encode.body(file.events), encode.contentType);
      return { errors };
    },
    close: async () => client.destroy(),
  };
}

/** "ACCESS_KEY_ID:SECRET_ACCESS_KEY" (a secret access key never contains ':'). */
function parseCredentials(secret: string): { accessKeyId: string; secretAccessKey: string } {
  const colon = secret.indexOf(":");
  if (colon <= 0 || colon === secret.length - 1)
    throw new Error("object storage secret must be ACCESS_KEY_ID:SECRET_ACCESS_KEY");
  return { accessKeyId: secret.slice(0, colon).trim(), secretAccessKey: secret.slice(colon + 1).trim() };
}

/**
 * Connection failures and the store's own 5xx (unavailable, throttled) stay as they are: the engine
 * waits them out within the outage budget (transient-errors.ts). A refused request (403 bad key or
 * policy, 404 no such bucket, 400) is a configuration error: retried, then dead-lettered with the
 * store's message.
 */
function storeError(error: unknown, what: string): unknown {
  if (isConnectionError(error) || !(error instanceof S3ServiceException)) return error;
  const status = error.$metadata.httpStatusCode;
  return new Error(
    `object store refused ${what}: ${status ?? ""} ${error.name}: ${error.message}`.replace(/ {2}/g, " "),
    { cause: error },
  );
}

type Encoder = {
  extension: string;
  contentType: string;
  /** The records to write (Parquet: converted to the columns' types) and the events that do not fit. */
  prepare(batch: readonly EventRecord[]): { rows: EventRecord[]; errors: CoreFailure[] };
  body(rows: readonly EventRecord[]): Buffer;
};

function jsonlEncoder(gzip: boolean): Encoder {
  return {
    extension: gzip ? ".jsonl.gz" : ".jsonl",
    contentType: gzip ? "application/gzip" : "application/x-ndjson",
    prepare: (batch) => ({ rows: [...batch], errors: [] }),
    body: (rows) => {
      const text = Buffer.from(rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
      return gzip ? gzipSync(text) : text;
    },
  };
}

// `auto` is decided by compilePlan (resolveParquetColumns); one left over is written as a string column.
const PARQUET_TYPES: Record<ParquetColumnType, ColumnSource["type"]> = {
  auto: "STRING",
  string: "STRING",
  int64: "INT64",
  double: "DOUBLE",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  json: "STRING",
};

/**
 * Parquet with the node's columns. Rows are grouped on the source events (their event time and
 * fields decide the folder); each event's converted column values are kept beside it. A value that
 * does not fit its column (and cannot be converted without loss: a numeric string into a number
 * column is fine, 1.5 into an int64 is not) sends its event to the error port with the column named,
 * never a null in its place and never a failed file for the batch.
 */
function parquetEncoder(config: NodeConfig<"s3-sink">): Encoder {
  const converted = new WeakMap<EventRecord, unknown[]>();
  const codec = ({ snappy: "SNAPPY", zstd: "ZSTD", gzip: "GZIP", none: "UNCOMPRESSED" } as const)[config.compression];
  return {
    extension: ".parquet",
    contentType: "application/vnd.apache.parquet",
    prepare(batch) {
      const rows: EventRecord[] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        const values: unknown[] = [];
        let failure: string | undefined;
        for (const column of config.columns) {
          const raw = getPath(event, column.field);
          const value = toColumnValue(raw, column.type);
          if (value === INVALID) {
            failure = `column ${column.name} (${column.type}): ${column.field} is ${excerpt(raw)}, not a ${column.type}`;
            break;
          }
          values.push(value);
        }
        if (failure) errors.push({ event, error: { code: "s3.bad-value", message: failure } });
        else {
          converted.set(event, values);
          rows.push(event);
        }
      }
      return { rows, errors };
    },
    body(rows) {
      const columnData: ColumnSource[] = config.columns.map((column, i) => ({
        name: column.name,
        ...(column.type === "timestamp" ? {} : { type: PARQUET_TYPES[column.type], nullable: true }),
        data: rows.map((row) => converted.get(row)![i]) as ColumnSource["data"],
      }));
      // Timestamps as instants (isAdjustedToUTC), which engines read as "timestamp with time zone";
      // the writer's own TIMESTAMP is the legacy converted type, read as a local time.
      const schemaOverrides = Object.fromEntries(
        config.columns
          .filter((column) => column.type === "timestamp")
          .map((column): [string, SchemaElement] => [
            column.name,
            {
              name: column.name,
              type: "INT64",
              repetition_type: "OPTIONAL",
              converted_type: "TIMESTAMP_MILLIS",
              logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
            },
          ]),
      );
      const buffer = parquetWriteBuffer({
        // With a schema given, the columns carry only their data.
        columnData: columnData.map(({ name, data }) => ({ name, data })),
        schema: schemaFromColumnData({ columnData, schemaOverrides }),
        codec,
        compressors: { GZIP: (input) => gzipSync(input), ZSTD: (input) => zstdCompressSync(input) },
        createdBy: "sluice s3-sink",
      });
      return Buffer.from(buffer);
    },
  };
}

/** A value for an error message: JSON, cut short. */
function excerpt(value: JsonValue | undefined): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const INVALID = Symbol("invalid");
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A field value as the column's type; null when missing, INVALID when it cannot be represented. */
export function toColumnValue(value: JsonValue | undefined, type: ParquetColumnType): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "auto":
    case "string":
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    case "json":
      return JSON.stringify(value);
    case "int64":
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
      if (typeof value === "string" && /^-?\d{1,19}$/.test(value)) {
        const n = BigInt(value);
        return n >= INT64_MIN && n <= INT64_MAX ? n : INVALID;
      }
      return INVALID;
    case "double": {
      const n =
        typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      return Number.isFinite(n) ? n : INVALID;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return INVALID;
    case "timestamp": {
      const ms = toEpochMs(value);
      return ms === undefined ? INVALID : new Date(ms);
    }
  }
}
