import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../events/activity-event";
import { GeneratorConfig } from "../nodes/sources/generator";
import { HttpIngestConfig } from "../nodes/sources/http-ingest";
import { PostgresSinkConfig } from "../nodes/sinks/postgres-sink";
import { RedisSinkConfig } from "../nodes/sinks/redis-sink";
import { KafkaSinkConfig } from "../nodes/sinks/kafka-sink";
import { generateEvents, generatorIndexAt } from "./generator-core";
import { normalizeIngestPayload } from "./http-ingest-core";
import { kafkaSinkKeys } from "./kafka-sink-keys";
import { createPostgresRowMapper, postgresWriteStatement } from "./postgres-rows";
import { createRedisCommandMapper, renderKeyTemplate } from "./redis-commands";
import { verifyWebhookSignature, webhookSignature } from "./webhook-signature";

const start = Date.parse("2024-05-01T10:00:00Z");
const ctx = { now: start };

describe("generator", () => {
  const config = GeneratorConfig.parse({
    eventsPerSecond: 100,
    duplicateRatio: 0.05,
    lateRatio: 0.05,
    malformedRatio: 0.02,
    seed: 9,
  });

  it("is deterministic and resumable from any index", () => {
    const all = generateEvents(config, { startTimeMs: start, fromIndex: 0, count: 500 });
    const resumed = [
      ...generateEvents(config, { startTimeMs: start, fromIndex: 0, count: 123 }),
      ...generateEvents(config, { startTimeMs: start, fromIndex: 123, count: 377 }),
    ];
    expect(resumed).toEqual(all);
    expect(generateEvents({ ...config, seed: 10 }, { startTimeMs: start, fromIndex: 0, count: 5 })).not.toEqual(
      all.slice(0, 5),
    );
  });

  it("produces duplicates, late and malformed events at roughly the configured ratios", () => {
    const events = generateEvents(config, { startTimeMs: start, fromIndex: 0, count: 4_000 });
    const ids = events.map((e) => e.id);
    const duplicates = ids.length - new Set(ids).size;
    const malformed = events.filter((e) => !ActivityEvent.safeParse(e).success).length;
    const late = events.filter(
      (e) =>
        typeof e.timestamp === "string" &&
        typeof e.receivedAt === "string" &&
        Date.parse(e.timestamp) < Date.parse(e.receivedAt) - 1,
    ).length;
    expect(duplicates / 4_000).toBeGreaterThan(0.03);
    expect(duplicates / 4_000).toBeLessThan(0.08);
    expect(malformed / 4_000).toBeGreaterThan(0.01);
    expect(malformed / 4_000).toBeLessThan(0.04);
    expect(late / 4_000).toBeGreaterThan(0.04);
    expect(
      events
        .filter((e) => e.type === "purchase")
        .every(
          (e) => !ActivityEvent.safeParse(e).success || typeof (e.props as { amount?: unknown }).amount === "number",
        ),
    ).toBe(true);
  });

  it("computes how many events are due by a given time", () => {
    expect(generatorIndexAt(config, start, start + 2_500)).toBe(250);
    expect(generatorIndexAt(config, start, start - 1)).toBe(0);
  });
});

describe("http ingest normalisation", () => {
  const config = HttpIngestConfig.parse({ pathKey: "web", apiKeyId: "k", maxBatch: 3 });
  const options = { receivedAt: start, newId: () => "generated-id", clientIp: "203.0.113.9", userAgent: "curl/8" };

  it("accepts one event, arrays and { batch } and fills server-side defaults", () => {
    const single = normalizeIngestPayload({ type: "click", userId: "u1" }, config, options);
    expect(single).toEqual({
      ok: true,
      rejected: [],
      accepted: [
        {
          id: "generated-id",
          type: "click",
          userId: "u1",
          timestamp: "2024-05-01T10:00:00.000Z",
          receivedAt: "2024-05-01T10:00:00.000Z",
          props: {},
          context: { ip: "203.0.113.9", userAgent: "curl/8" },
        },
      ],
    });
    const batch = normalizeIngestPayload(
      { batch: [{ id: "a", type: "click", anonymousId: "x", context: { ip: "1.1.1.1" } }] },
      config,
      options,
    );
    expect(batch.ok && batch.accepted[0]).toMatchObject({
      id: "a",
      userId: null,
      anonymousId: "x",
      context: { ip: "1.1.1.1", userAgent: "curl/8" },
    });
    expect(batch.ok && ActivityEvent.safeParse(batch.accepted[0]).success).toBe(true);
  });

  it("rejects bad items individually and whole requests that are too large or malformed", () => {
    const mixed = normalizeIngestPayload([{ type: "click", userId: "u1" }, { type: "click" }, "nope"], config, options);
    expect(mixed.ok && mixed.accepted.length).toBe(1);
    expect(mixed.ok && mixed.rejected.map((r) => [r.index, r.issues[0]?.path])).toEqual([
      [1, "userId"],
      [2, ""],
    ]);
    expect(mixed.ok && mixed.rejected[1]?.event).toEqual({ raw: "nope" });
    expect(normalizeIngestPayload([1, 2, 3, 4], config, options)).toMatchObject({ ok: false, status: 413 });
    expect(normalizeIngestPayload("text", config, options)).toMatchObject({ ok: false, status: 400 });
  });

  it("can require client event ids", () => {
    const strict = normalizeIngestPayload(
      { type: "click", userId: "u1" },
      { ...config, requireEventId: true },
      options,
    );
    expect(strict.ok && strict.rejected[0]?.issues[0]?.path).toBe("id");
  });
});

describe("postgres sink mapping", () => {
  const config = PostgresSinkConfig.parse({
    connectionSecretId: "s",
    table: "analytics.event_counts",
    mode: "upsert",
    keyColumns: ["window_start", "event_type"],
    columns: [
      { column: "window_start", expression: "event.windowStart" },
      { column: "event_type", expression: "event.eventType" },
      { column: "events", expression: "event.events" },
      { column: "detail", expression: "event.detail" },
    ],
  });

  it("maps rows, encodes objects as JSON and keeps only the last row per key in a batch", () => {
    const mapper = createPostgresRowMapper(config);
    const row = (events: number) => ({
      windowStart: "2024-05-01T10:00:00.000Z",
      eventType: "click",
      events,
      detail: { users: [1] },
    });
    const { rows, errors } = mapper.map([row(1), row(2), { windowStart: "x" }], ctx);
    expect(mapper.columns).toEqual(["window_start", "event_type", "events", "detail"]);
    expect(rows.map((r) => r.values)).toEqual([["2024-05-01T10:00:00.000Z", "click", 2, '{"users":[1]}']]);
    expect(errors.map((e) => e.error.code)).toEqual(["expression.evaluation"]);
  });

  it("builds a parameterised, idempotent statement", () => {
    expect(postgresWriteStatement(config, 2)).toBe(
      'INSERT INTO "analytics"."event_counts" ("window_start", "event_type", "events", "detail") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) ' +
        'ON CONFLICT ("window_start", "event_type") DO UPDATE SET "events" = EXCLUDED."events", "detail" = EXCLUDED."detail"',
    );
    expect(postgresWriteStatement({ ...config, mode: "insert" }, 1)).toMatch(
      /ON CONFLICT \("window_start", "event_type"\) DO NOTHING$/,
    );
    expect(postgresWriteStatement({ ...config, mode: "insert", keyColumns: [] }, 1)).toMatch(
      /VALUES \(\$1, \$2, \$3, \$4\)$/,
    );
  });
});

describe("redis sink mapping", () => {
  it("renders key templates and builds commands per mode", () => {
    const base = { connectionSecretId: "s", keyTemplate: "counts:{eventType}:{windowStart}" };
    const record = { eventType: "click", windowStart: "2024-05-01T10:00:00.000Z", events: 3, user: "u1", score: "2.5" };
    const hash = createRedisCommandMapper(
      RedisSinkConfig.parse({ ...base, mode: "hash", field: "event.user", value: "event.events", ttl: "90s" }),
    ).map([record], ctx);
    expect(hash.commands).toEqual([
      { op: "hset", key: "counts:click:2024-05-01T10:00:00.000Z", field: "u1", value: "3", ttlSeconds: 90 },
    ]);
    const counter = createRedisCommandMapper(
      RedisSinkConfig.parse({ ...base, mode: "counter", value: "event.events" }),
    ).map([record], ctx);
    expect(counter.commands).toEqual([{ op: "incrby", key: "counts:click:2024-05-01T10:00:00.000Z", by: 3 }]);
    const zset = createRedisCommandMapper(
      RedisSinkConfig.parse({ ...base, mode: "sorted-set", field: "event.user", value: "event.score" }),
    ).map([record, { eventType: "x" }], ctx);
    expect(zset.commands).toEqual([
      { op: "zadd", key: "counts:click:2024-05-01T10:00:00.000Z", member: "u1", score: 2.5 },
    ]);
    expect(zset.errors).toHaveLength(1);
  });

  it("refuses missing placeholders", () => {
    expect(() => renderKeyTemplate("user:{userId}", {})).toThrow(/userId/);
  });
});

describe("kafka sink keys and webhook signatures", () => {
  it("keeps incoming keys unless a key expression is set", () => {
    expect(kafkaSinkKeys(KafkaSinkConfig.parse({ topic: "t" }))([{ id: "a" }], ctx).keys).toBeUndefined();
    expect(kafkaSinkKeys(KafkaSinkConfig.parse({ topic: "t", key: "event.id" }))([{ id: "a" }], ctx).keys).toEqual({
      out: ["a"],
    });
  });

  it("signs and verifies webhook bodies with a timestamp", () => {
    const header = webhookSignature("whsec", 1_714_557_600, '{"a":1}');
    expect(header).toMatch(/^t=1714557600,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("whsec", header, '{"a":1}', 1_714_557_700)).toBe(true);
    expect(verifyWebhookSignature("whsec", header, '{"a":2}', 1_714_557_700)).toBe(false);
    expect(verifyWebhookSignature("other", header, '{"a":1}', 1_714_557_700)).toBe(false);
    expect(verifyWebhookSignature("whsec", header, '{"a":1}', 1_714_558_000)).toBe(false);
  });
});
