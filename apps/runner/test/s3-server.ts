// A real S3-API server for the s3-sink tests: s3rver (file-backed S3 implementation) on 127.0.0.1
// with a temp directory, plus readers for what the sink wrote.
import type { EventEmitter } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import S3rver from "s3rver";
import { afterAll, beforeAll } from "vitest";

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = "S3RVER:S3RVER";

export type S3Server = {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** "<event name> <key>" of every write the server notified, e.g. "ObjectCreated:Post k" for a completed multipart upload. */
  events: string[];
  /** Called synchronously with each such line as the server notifies it (a test may kill a writer there). */
  onEvent(listener: (line: string) => void): void;
  /** Every object key under a prefix, sorted. */
  list(prefix?: string): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  /** Each event of every .jsonl / .jsonl.gz file under the prefix, with the file it is in. */
  jsonl(prefix: string): Promise<{ key: string; event: Record<string, unknown> }[]>;
  /** Rows of every .parquet file under the prefix, read by DuckDB (read_parquet on the downloaded files). */
  parquet(prefix: string): Promise<{ key: string; row: Record<string, unknown> }[]>;
  /** One Parquet object's columns as DuckDB types them (`DESCRIBE`) and the compression codecs of its column chunks. */
  parquetSchema(key: string): Promise<{ columns: Record<string, string>; codecs: string[] }>;
  close(): Promise<void>;
};

export async function startS3Server(bucket = "lake"): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "sluice-s3rver-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const events: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  // S3rver is a Koa application (an EventEmitter); its typings leave that out.
  (server as unknown as EventEmitter).on(
    "event",
    (event: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
      for (const record of event.Records) {
        const line = `${record.eventName} ${decodeURIComponent(record.s3.object.key)}`;
        events.push(line);
        for (const listener of listeners) listener(line);
      }
    },
  );
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const list = async (prefix = "") => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  const read = async (key: string) =>
    Buffer.from(
      await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray(),
    );
  return {
    endpoint,
    bucket,
    client,
    events,
    onEvent: (listener) => void listeners.push(listener),
    list,
    read,
    async jsonl(prefix) {
      const out: { key: string; event: Record<string, unknown> }[] = [];
      for (const key of (await list(prefix)).filter((k) => k.endsWith(".jsonl") || k.endsWith(".jsonl.gz"))) {
        const body = await read(key);
        const text = (key.endsWith(".gz") ? gunzipSync(body) : body).toString("utf8");
        for (const line of text.split("\n").filter(Boolean))
          out.push({ key, event: JSON.parse(line) as Record<string, unknown> });
      }
      return out;
    },
    async parquet(prefix) {
      const keys = (await list(prefix)).filter((k) => k.endsWith(".parquet"));
      if (keys.length === 0) return [];
      const local = await mkdtemp(join(tmpdir(), "sluice-parquet-"));
      try {
        const files: string[] = [];
        for (const [i, key] of keys.entries()) {
          const file = join(local, `${i}.parquet`);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, await read(key));
          files.push(file);
        }
        const db = await DuckDBInstance.create(":memory:");
        const connection = await db.connect();
        try {
          const list = files.map((f) => `'${f}'`).join(", ");
          const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet([${list}], filename = true)`);
          return reader.getRowObjectsJS().map((row) => {
            const { filename, ...rest } = row as Record<string, unknown> & { filename: string };
            const index = Number(/(\d+)\.parquet$/.exec(filename)![1]);
            return { key: keys[index]!, row: rest };
          });
        } finally {
          connection.closeSync();
          db.closeSync();
        }
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    },
    async parquetSchema(key) {
      const local = await mkdtemp(join(tmpdir(), "sluice-parquet-"));
      const file = join(local, "file.parquet");
      await writeFile(file, await read(key));
      const db = await DuckDBInstance.create(":memory:");
      const connection = await db.connect();
      try {
        const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
        const codecs = await connection.runAndReadAll(
          `SELECT DISTINCT compression FROM parquet_metadata('${file}') ORDER BY compression`,
        );
        return {
          columns: Object.fromEntries(
            described.getRowObjectsJS().map((r) => [String(r["column_name"]), String(r["column_type"])]),
          ),
          codecs: codecs.getRowObjectsJS().map((r) => String(r["compression"])),
        };
      } finally {
        connection.closeSync();
        db.closeSync();
        await rm(local, { recursive: true, force: true });
      }
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * For a suite: an S3 server started before its tests and closed after them. Register it before the
 * engine's fixture (useEngineWorld), so the engine stops before the store goes.
 */
export function useS3Server(): { server: S3Server } {
  const t = {} as { server: S3Server };
  beforeAll(async () => {
    t.server = await startS3Server();
  });
  afterAll(async () => {
    await t.server?.close();
  });
  return t;
}
