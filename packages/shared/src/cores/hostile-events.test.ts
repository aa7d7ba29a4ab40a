// Events a hostile or broken client can send, through the cores that keep state by user data and by
// event time: prototype-named keys are ordinary keys, far-future and unrepresentable times go to the
// error port with a reason instead of moving the watermark, and nothing throws.
import { describe, expect, it } from "vitest";
import { setPath } from "../events/field-path";
import type { EventRecord } from "../events/json-value";
import { findJsonProblem } from "../events/json-limits";
import { HttpIngestConfig } from "../nodes/sources/http-ingest";
import { DedupConfig } from "../nodes/transforms/dedup";
import { SessionizeConfig } from "../nodes/transforms/sessionize";
import { WindowConfig } from "../nodes/transforms/window";
import { DedupCore, type DedupState } from "./dedup-core";
import { normalizeIngestPayload } from "./http-ingest-core";
import { SessionizeCore, type SessionizeState } from "./sessionize-core";
import { WindowCore, type WindowState } from "./window-core";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const base = Date.parse("2024-05-01T10:00:00Z");
const ctx = { now: NOW };
const PROTO_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
const FAR_FUTURE = ["9999-12-31T23:59:59Z", 8_640_000_000_000_001, NOW + 25 * 3600_000, Number.MAX_SAFE_INTEGER];

const event = (id: string, userId: string, minute: number, type = "page_view"): EventRecord => ({
  id,
  type,
  userId,
  timestamp: base + minute * 60_000,
});
/** What a checkpoint does to a snapshot: JSON text in Redis. */
const roundTrip = <T>(state: T): T => JSON.parse(JSON.stringify(state)) as T;

describe("prototype-named keys are ordinary keys", () => {
  it("sessionize keeps a session per such user, across a checkpoint, with such event types", () => {
    const config = SessionizeConfig.parse({
      inactivityGap: "10m",
      maxDuration: "1h",
      watermarkDelay: "0s",
      allowedLateness: "0s",
    });
    const first = new SessionizeCore(config);
    const a = first.process(
      PROTO_KEYS.map((user, i) => event(`a${i}`, user, 0, PROTO_KEYS[(i + 1) % PROTO_KEYS.length])),
      ctx,
    );
    expect(a.errors).toEqual([]);
    const restored = new SessionizeCore(config, roundTrip(first.snapshot()) as SessionizeState);
    const b = restored.process(
      [
        ...PROTO_KEYS.map((user, i) => event(`b${i}`, user, 2, PROTO_KEYS[(i + 1) % PROTO_KEYS.length])),
        event("end", "other", 60),
      ],
      ctx,
    );
    expect(b.errors).toEqual([]);
    const sessions = b.outputs.sessions!.filter((s) => s.userKey !== "other");
    expect(sessions.map((s) => s.userKey).sort()).toEqual([...PROTO_KEYS].sort());
    for (const session of sessions) {
      expect(session.eventCount).toBe(2);
      const type = PROTO_KEYS[(PROTO_KEYS.indexOf(String(session.userKey)) + 1) % PROTO_KEYS.length]!;
      expect(Object.entries(session.eventTypes as object)).toEqual([[type, 2]]);
    }
  });

  it("dedup drops repeats of such keys, also after a checkpoint", () => {
    const config = DedupConfig.parse({ window: "5m", key: "event.userId" });
    const core = new DedupCore(config);
    const first = core.process(
      PROTO_KEYS.map((key, i) => event(`x${i}`, key, 0)),
      ctx,
    );
    expect(first.outputs.out).toHaveLength(PROTO_KEYS.length);
    const restored = new DedupCore(config, roundTrip(core.snapshot()) as DedupState);
    const again = restored.process(
      PROTO_KEYS.map((key, i) => event(`y${i}`, key, 1)),
      ctx,
    );
    expect(again.errors).toEqual([]);
    expect(again.outputs.out).toEqual([]);
    expect(again.outputs.duplicates).toHaveLength(PROTO_KEYS.length);
  });

  it("window groups by such values", () => {
    const config = WindowConfig.parse({
      kind: "tumbling",
      size: "1m",
      watermarkDelay: "0s",
      allowedLateness: "0s",
      groupBy: [{ name: "user", expression: "event.userId" }],
      aggregations: [
        { name: "events", function: "count" },
        { name: "types", function: "distinct-count", field: "type" },
      ],
    });
    const core = new WindowCore(config);
    const result = core.process(
      [...PROTO_KEYS.map((key, i) => event(`w${i}`, key, 0, key)), event("end", "other", 5)],
      ctx,
    );
    expect(result.errors).toEqual([]);
    const counted = result.outputs.out!.filter((r) => r.user !== "other");
    expect(counted.map((r) => [r.user, r.events, r.types]).sort()).toEqual(PROTO_KEYS.map((key) => [key, 1, 1]).sort());
  });

  it("setPath writes a __proto__ field as a field", () => {
    const written = setPath({}, "props.__proto__", 1);
    expect(Object.getPrototypeOf(written.props)).toBe(Object.prototype);
    expect(JSON.stringify(written)).toBe('{"props":{"__proto__":1}}');
  });
});

describe("event times no watermark may follow", () => {
  const windowConfig = WindowConfig.parse({
    kind: "tumbling",
    size: "1m",
    watermarkDelay: "0s",
    allowedLateness: "0s",
    aggregations: [{ name: "events", function: "count" }],
  });

  it.each(FAR_FUTURE.map((t) => [t]))("window: %s goes to the error port and later events still count", (timestamp) => {
    const core = new WindowCore(windowConfig);
    const poisoned = core.process([{ id: "evil", type: "x", userId: "u", timestamp }], ctx);
    expect(poisoned.errors).toHaveLength(1);
    expect(poisoned.errors[0]!.error.code).toMatch(/^event-time\./);
    expect(poisoned.watermark).toBeNull();
    const restored = new WindowCore(windowConfig, roundTrip(core.snapshot()) as WindowState);
    const after = restored.process([event("a", "u", 0), event("b", "u", 2)], ctx);
    expect(after.errors).toEqual([]);
    expect(after.outputs.late).toEqual([]);
    expect(after.outputs.out).toEqual([
      expect.objectContaining({ events: 1, windowStart: "2024-05-01T10:00:00.000Z" }),
    ]);
  });

  it.each(FAR_FUTURE.map((t) => [t]))(
    "sessionize and dedup: %s goes to the error port, nothing is late or expired after it",
    (timestamp) => {
      const sessions = new SessionizeCore(
        SessionizeConfig.parse({
          inactivityGap: "10m",
          maxDuration: "1h",
          watermarkDelay: "0s",
          allowedLateness: "0s",
        }),
      );
      expect(sessions.process([{ id: "evil", type: "x", userId: "u", timestamp }], ctx).errors).toHaveLength(1);
      const after = sessions.process([event("a", "u", 0)], ctx);
      expect(after.errors).toEqual([]);
      expect(after.outputs.late).toEqual([]);

      const dedup = new DedupCore(DedupConfig.parse({ window: "5m", key: "event.userId" }));
      expect(dedup.process([{ id: "evil", type: "x", userId: "u", timestamp }], ctx).errors).toHaveLength(1);
      const first = dedup.process([event("a", "u", 0)], ctx);
      const repeat = dedup.process([event("b", "u", 1)], ctx);
      expect([first.outputs.out!.length, repeat.outputs.duplicates!.length]).toEqual([1, 1]);
    },
  );

  it("recovers a checkpoint a far-future event poisoned before event times were bounded", () => {
    const poisoned = {
      maxEventTime: Date.parse("9999-12-31T23:59:59Z"),
      watermark: Date.parse("9999-12-31T23:59:59Z"),
    };
    const window = new WindowCore(windowConfig, { version: 1, clock: { ...poisoned }, groups: {}, nextDueAt: null });
    const counted = window.process([event("a", "u", 0), event("b", "u", 2)], ctx);
    expect([counted.errors, counted.outputs.late]).toEqual([[], []]);
    expect(counted.outputs.out).toEqual([
      expect.objectContaining({ events: 1, windowStart: "2024-05-01T10:00:00.000Z" }),
    ]);

    const sessions = new SessionizeCore(
      SessionizeConfig.parse({ inactivityGap: "10m", maxDuration: "1h", watermarkDelay: "0s", allowedLateness: "0s" }),
      { version: 1, clock: { ...poisoned }, users: {}, nextDueAt: null },
    );
    const sessioned = sessions.process([event("a", "u", 0), event("b", "u", 30)], ctx);
    expect([sessioned.errors, sessioned.outputs.late, sessioned.outputs.sessions!.length]).toEqual([[], [], 1]);

    const dedup = new DedupCore(DedupConfig.parse({ window: "5m", key: "event.userId" }), {
      version: 1,
      maxEventTime: poisoned.maxEventTime,
      seen: {},
      buckets: {},
    });
    expect(dedup.process([event("a", "u", 0), event("b", "u", 1)], ctx).outputs.duplicates).toHaveLength(1);
  });

  it("never throws Invalid time value, whatever the combined watermark or event time", () => {
    const core = new WindowCore({ ...windowConfig, lateEvents: "error-port" });
    core.process([event("a", "u", 0)], { now: NOW, watermark: Number.MAX_SAFE_INTEGER });
    for (const timestamp of [
      -8_640_000_000_000_001,
      -1e300,
      1e300,
      "0000-01-01T00:00:00Z",
      "+275760-09-13T00:00:00Z",
      "2024-13-45T00:00:00Z",
    ]) {
      expect(() =>
        core.process([{ id: "t", type: "x", userId: "u", timestamp }], {
          now: NOW,
          watermark: Number.MAX_SAFE_INTEGER,
        }),
      ).not.toThrow();
    }
  });
});

describe("ingest refuses hostile items with a reason", () => {
  const config = HttpIngestConfig.parse({ pathKey: "web", apiKeyId: "k" });
  const options = { receivedAt: NOW, newId: () => "id" };
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  it("answers 400 for nesting deeper than 64 levels, without recursing", () => {
    expect(normalizeIngestPayload({ type: "x", userId: "u", props: nested(62) }, config, options)).toMatchObject({
      ok: true,
      rejected: [],
    });
    expect(normalizeIngestPayload({ type: "x", userId: "u", props: nested(64) }, config, options)).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringContaining("deeper than 64"),
    });
    expect(normalizeIngestPayload([nested(100_000)], config, options)).toMatchObject({ ok: false, status: 400 });
    expect(findJsonProblem(nested(1_000_000))).toMatchObject({ kind: "depth" });
  });

  it("rejects per event: out-of-window times and lone surrogates; keeps the good neighbours", () => {
    const result = normalizeIngestPayload(
      [
        { type: "ok", userId: "u" },
        { type: "x", userId: "u", timestamp: "9999-12-31T23:59:59Z" },
        { type: "x", userId: "u", timestamp: 8_640_000_000_000_001 },
        { type: "x", userId: "u", timestamp: "1999-12-31T23:59:59Z" },
        { type: "x", userId: "u\ud800" },
        { type: "x", userId: "u", props: { ["k\udc00"]: 1 } },
        { type: "ok", userId: "u", props: { emoji: "\ud83d\ude00" }, timestamp: NOW + 3600_000 },
        { type: "ok", userId: "__proto__", props: { __proto__: 1, constructor: "x" } },
      ],
      config,
      options,
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.accepted.map((e) => e.type)).toEqual(["ok", "ok", "ok"]);
    expect(result.rejected.map((r) => [r.index, r.issues[0]!.path, r.issues[0]!.message])).toEqual([
      [1, "timestamp", expect.stringContaining("ahead of 2024-05-01T12:00:00.000Z")],
      [2, "timestamp", "not a representable time"],
      [3, "timestamp", "event time 1999-12-31T23:59:59.000Z is before 2000-01-01T00:00:00.000Z"],
      [4, "userId", expect.stringContaining("lone surrogate")],
      [5, "props.k\udc00", expect.stringContaining("lone surrogate")],
    ]);
  });

  it("takes the window from the options", () => {
    const result = normalizeIngestPayload({ type: "x", userId: "u", timestamp: "1990-01-01T00:00:00Z" }, config, {
      ...options,
      eventTimeWindow: { notBeforeMs: 0, maxFutureMs: 0 },
    });
    expect(result).toMatchObject({ ok: true, rejected: [] });
  });
});
