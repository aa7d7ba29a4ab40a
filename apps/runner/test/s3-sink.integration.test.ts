// The s3-sink executor against a real S3-API server (s3rver): re-runs of uncommitted offsets cut into
// other batches leave no duplicate events, large files go up as multipart uploads, an unreachable
// store is a connection error (waited out by the engine) and a refused request is not.
import { type BatchSource, compilePlan, type EventRecord, type PipelineGraph, S3SinkConfig } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime, type NodeRuntime } from "../src/stage/executors";
import { MULTIPART_PART_BYTES } from "../src/stage/s3-sink";
import { isConnectionError } from "../src/stage/transient-errors";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "./s3-server";
import { testLogger, uniqueName } from "./services";

describe("s3-sink executor", () => {
  let s3: S3Server;
  const runtimes: NodeRuntime[] = [];

  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    for (const runtime of runtimes) if (runtime.kind === "sink") await runtime.close?.();
    await s3?.close();
  });

  /** `applied`: what the runner changes (deployment-runtime turns allowPrivateEndpoint off unless the operator allows it). */
  async function sink(config: Record<string, unknown>, applied: Partial<S3SinkConfig> = {}) {
    const parsed = S3SinkConfig.parse({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      allowPrivateEndpoint: true,
      forcePathStyle: true,
      credentialsSecretId: "sec",
      ...config,
    });
    const runtime = await createNodeRuntime(
      "s3-sink",
      { ...parsed, ...applied },
      {
        workspaceId: "ws",
        pipelineId: "p",
        nodeId: "lake",
        log: testLogger,
        secret: async () => S3RVER_CREDENTIALS,
        kafka: () => Promise.reject(new Error("no Kafka connections")),
      },
    );
    runtimes.push(runtime);
    if (runtime.kind !== "sink") throw new Error("not a sink");
    return runtime;
  }

  const events = (from: number, to: number): EventRecord[] =>
    Array.from({ length: to - from + 1 }, (_, i) => ({
      id: `e${from + i}`,
      n: from + i,
      timestamp: `2026-05-0${1 + ((from + i) % 2)}T10:00:00Z`,
    }));
  const source = (first: number, last: number): BatchSource => ({
    topic: "sluice.ws.p.ingest.out",
    partition: 0,
    firstOffset: String(first),
    lastOffset: String(last),
  });

  it("a re-run of uncommitted offsets cut into other batches overwrites or deletes the first run's files", async () => {
    const prefix = `${uniqueName("rerun")}/`;
    const write = await sink({ keyTemplate: `${prefix}dt={yyyy}-{MM}-{dd}/` });
    const ctx = { now: Date.now() };
    // First run: offsets 0-9 and 10-29, then a crash before any commit.
    await write.write(events(0, 9), ctx, source(0, 9));
    await write.write(events(10, 29), ctx, source(10, 29));
    // The re-run from offset 0 is cut differently: 0-14, 15-24, 25-29.
    await write.write(events(0, 14), ctx, source(0, 14));
    await write.write(events(15, 24), ctx, source(15, 24));
    await write.write(events(25, 29), ctx, source(25, 29));

    const rows = await s3.jsonl(prefix);
    expect(rows.map((r) => r.event["id"]).sort()).toEqual(
      events(0, 29)
        .map((e) => e["id"])
        .sort(),
    );
    // Two days, two folders; the files are exactly the re-run's batches.
    expect(await s3.list(`${prefix}dt=`)).toEqual([
      `${prefix}dt=2026-05-01/sluice.ws.p.ingest.out+0+0-14+lake+0.jsonl`,
      `${prefix}dt=2026-05-01/sluice.ws.p.ingest.out+0+15-24+lake+1.jsonl`,
      `${prefix}dt=2026-05-01/sluice.ws.p.ingest.out+0+25-29+lake+1.jsonl`,
      `${prefix}dt=2026-05-02/sluice.ws.p.ingest.out+0+0-14+lake+1.jsonl`,
      `${prefix}dt=2026-05-02/sluice.ws.p.ingest.out+0+15-24+lake+0.jsonl`,
      `${prefix}dt=2026-05-02/sluice.ws.p.ingest.out+0+25-29+lake+0.jsonl`,
    ]);
    expect(await s3.list(`${prefix}_sluice/`)).toEqual([`${prefix}_sluice/p/lake/sluice.ws.p.ingest.out/0.json`]);

    // The same batch again (a lost job run twice) changes nothing.
    await write.write(events(25, 29), ctx, source(25, 29));
    expect((await s3.jsonl(prefix)).length).toBe(30);
  });

  it("sends files over the part size as multipart uploads", async () => {
    const prefix = `${uniqueName("big")}/`;
    const write = await sink({ keyTemplate: prefix, maxBytesPerFile: 64 * 1024 ** 2 });
    const pad = "x".repeat(2000);
    const big = Array.from({ length: 6000 }, (_, i) => ({ id: `b${i}`, timestamp: "2026-05-01T00:00:00Z", pad }));
    await write.write(big, { now: Date.now() }, source(0, 5999));
    const [key] = await s3.list(prefix).then((keys) => keys.filter((k) => !k.includes("_sluice")));
    const body = await s3.read(key!);
    expect(body.length).toBeGreaterThan(MULTIPART_PART_BYTES);
    // s3rver notifies a completed multipart upload as a POST (a PutObject as a PUT).
    expect(s3.events.filter((e) => e.endsWith(` ${key!}`))).toEqual([`ObjectCreated:Post ${key!}`]);
    const lines = body.toString("utf8").split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(big.map((e) => e.id));
  });

  it("an unreachable store is a connection error; a refused request carries the store's message", async () => {
    const down = await sink({ endpoint: "http://127.0.0.1:1" });
    const unreachable = await down.write(events(0, 1), { now: 0 }, source(0, 1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConnectionError(unreachable)).toBe(true);

    const missing = await sink({ bucket: "no-such-bucket" });
    const refused = await missing.write(events(0, 1), { now: 0 }, source(0, 1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConnectionError(refused)).toBe(false);
    expect((refused as Error).message).toMatch(/^object store refused .*404 NoSuchBucket/);

    // A loopback endpoint the operator does not allow: every event dead-lettered, nothing sent.
    const prefix = `${uniqueName("private")}/`;
    const guarded = await sink({ keyTemplate: prefix }, { allowPrivateEndpoint: false });
    const result = await guarded.write(events(0, 1), { now: 0 }, source(0, 1));
    expect(result.errors.map((e) => [e.event["id"], e.error.code, e.error.message])).toEqual([
      ["e0", "s3.refused", "endpoint refused: 127.0.0.1 is a private or loopback address"],
      ["e1", "s3.refused", "endpoint refused: 127.0.0.1 is a private or loopback address"],
    ]);
    expect(await s3.list(prefix)).toEqual([]);
  });

  it("dead-letters events without an event time or with a value that does not fit its column", async () => {
    const prefix = `${uniqueName("bad")}/`;
    const write = await sink({
      keyTemplate: prefix,
      format: "parquet",
      columns: [{ name: "n", field: "n", type: "int64" }],
    });
    const result = await write.write(
      [
        { id: "ok", n: 1, timestamp: "2026-05-01T00:00:00Z" },
        { id: "no-time", n: 2 },
        { id: "not-int", n: "two", timestamp: "2026-05-01T00:00:00Z" },
      ],
      { now: 0 },
      source(0, 2),
    );
    expect(result.errors.map((e) => [e.event["id"], e.error.code])).toEqual([
      ["not-int", "s3.bad-value"],
      ["no-time", "s3.no-event-time"],
    ]);
    expect((await s3.parquet(prefix)).map((r) => r.row)).toEqual([{ n: 1n }]);
  });
  it("writes the typed columns compilePlan decides from a window upstream, snappy and zstd, as DuckDB reads them", async () => {
    // generator -> window -> lake: the columns are listed without types ("auto") but one.
    const at = { x: 0, y: 0 };
    const graph: PipelineGraph = {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: {}, position: at },
        {
          id: "per-minute",
          type: "window",
          typeVersion: 1,
          config: {
            size: "1m",
            groupBy: [{ name: "eventType", expression: "event.type" }],
            aggregations: [
              { name: "events", function: "count" },
              { name: "revenue", function: "sum", field: "props.amount" },
            ],
          },
          position: at,
        },
        {
          id: "lake",
          type: "s3-sink",
          typeVersion: 2,
          config: {
            bucket: "analytics-lake",
            format: "parquet",
            columns: [
              { name: "window_start", field: "windowStart" },
              { name: "event_type", field: "eventType" },
              { name: "events", field: "events" },
              { name: "revenue", field: "revenue" },
              { name: "late", field: "isLateUpdate" },
              { name: "supersedes", field: "supersedes" },
              { name: "note", field: "note" },
              { name: "revenue_text", field: "revenue", type: "string" },
            ],
          },
          position: at,
        },
      ],
      edges: [
        { id: "e1", source: "gen", sourcePort: "out", target: "per-minute", targetPort: "in" },
        { id: "e2", source: "per-minute", sourcePort: "out", target: "lake", targetPort: "in" },
      ],
    };
    const compiled = compilePlan({ workspaceId: "ws", workspaceSlug: "acme", pipelineId: "p", graph });
    if (!compiled.ok) throw new Error(compiled.reason);
    const { columns } = compiled.plan.stages.flatMap((s) => s.nodes).find((n) => n.id === "lake")!.config as {
      columns: unknown[];
    };

    const results = (from: number, count: number): EventRecord[] =>
      Array.from({ length: count }, (_, i) => {
        const n = from + i;
        const start = Date.UTC(2026, 4, 1, 10, n);
        return {
          windowId: `w${n}`,
          windowStart: new Date(start).toISOString(),
          windowEnd: new Date(start + 60_000).toISOString(),
          timestamp: new Date(start + 59_999).toISOString(),
          eventType: n % 2 ? "click" : "view",
          events: n * 3,
          revenue: n * 1.25,
          revision: 0,
          isLateUpdate: n % 3 === 0,
          supersedes: n % 4 === 0 ? [`w${n - 1}`] : [],
          // Not typed upstream: text as is, anything else as JSON text; missing: null.
          ...(n % 5 === 0 ? {} : { note: n % 2 ? `n${n}` : { n } }),
        };
      });
    const bad = { ...results(99, 1)[0]!, windowId: "bad", events: "many" };

    for (const compression of ["snappy", "zstd"] as const) {
      const prefix = `${uniqueName(`typed-${compression}`)}/`;
      const write = await sink({
        keyTemplate: prefix,
        eventTimeField: "timestamp",
        format: "parquet",
        compression,
        columns,
      });
      const batch = [...results(0, 20), bad];
      const result = await write.write(batch, { now: 0 }, source(0, batch.length - 1));
      // The value that does not fit its int64 column: its event goes to the error port, named.
      expect(result.errors.map((e) => [e.event["windowId"], e.error.code, e.error.message])).toEqual([
        ["bad", "s3.bad-value", 'column events (int64): events is "many", not a int64'],
      ]);

      const [key] = (await s3.list(prefix)).filter((k) => k.endsWith(".parquet"));
      expect(await s3.parquetSchema(key!)).toEqual({
        columns: {
          window_start: "TIMESTAMP WITH TIME ZONE",
          event_type: "VARCHAR",
          events: "BIGINT",
          revenue: "DOUBLE",
          late: "BOOLEAN",
          supersedes: "VARCHAR",
          note: "VARCHAR",
          revenue_text: "VARCHAR",
        },
        codecs: [compression.toUpperCase()],
      });
      const rows = (await s3.parquet(prefix)).map((r) => r.row);
      expect(rows).toEqual(
        results(0, 20).map((event) => ({
          window_start: new Date(event["windowStart"] as string),
          event_type: event["eventType"],
          events: BigInt(event["events"] as number),
          revenue: event["revenue"],
          late: event["isLateUpdate"],
          supersedes: JSON.stringify(event["supersedes"]),
          note:
            event["note"] === undefined
              ? null
              : typeof event["note"] === "string"
                ? event["note"]
                : JSON.stringify(event["note"]),
          revenue_text: String(event["revenue"]),
        })),
      );
    }
  });
});
