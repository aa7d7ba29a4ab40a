import { describe, expect, it } from "vitest";
import type { EventRecord } from "../events/json-value";
import { SessionizeConfig } from "../nodes/transforms/sessionize";
import { SessionizeCore, type SessionizeState } from "./sessionize-core";

/** Processing time of the batches: after every event time used here (cores refuse events over a day ahead). */
const NOW = Date.parse("2024-05-02T00:00:00Z");

const base = Date.parse("2024-05-01T10:00:00Z");
const event = (id: string, user: string, minute: number, type = "page_view"): EventRecord => ({
  id,
  type,
  userId: user,
  timestamp: base + minute * 60_000,
  context: { page: { path: `/${id}` } },
});
const config = SessionizeConfig.parse({
  inactivityGap: "10m",
  maxDuration: "1h",
  watermarkDelay: "1m",
  allowedLateness: "10m",
});
const ctx = { now: NOW };

describe("SessionizeCore", () => {
  it("merges a late event that bridges two emitted sessions and reports the superseded id", () => {
    const core = new SessionizeCore({ ...config, allowedLateness: "20m" });
    const first = core.process([event("a", "u1", 0), event("b", "u1", 15)], ctx); // watermark 14m: [0, 10) fires
    const second = core.process([event("c", "u1", 27)], ctx); // watermark 26m: [15, 25) fires
    expect([...first.outputs.sessions!, ...second.outputs.sessions!].map((s) => s.sessionId)).toEqual([
      "u1@2024-05-01T10:00:00.000Z",
      "u1@2024-05-01T10:15:00.000Z",
    ]);
    const merged = core.process([event("late", "u1", 7)], ctx);
    expect(merged.outputs.sessions).toEqual([
      expect.objectContaining({
        sessionId: "u1@2024-05-01T10:00:00.000Z",
        eventCount: 3,
        revision: 2,
        isLateUpdate: true,
        landingPage: "/a",
        exitPage: "/b",
        supersedes: ["u1@2024-05-01T10:15:00.000Z"],
      }),
    ]);
  });

  it("holds sessions back until the minimum watermark across partitions passes their end", () => {
    const core = new SessionizeCore(config);
    core.process([event("a", "u1", 0)], { now: NOW, watermark: null });
    expect(core.process([event("b", "u1", 30)], { now: NOW, watermark: base + 5 * 60_000 }).outputs.sessions).toEqual(
      [],
    );
    expect(core.process([], { now: NOW, watermark: base + 10 * 60_000 }).outputs.sessions).toHaveLength(1);
  });

  it("continues identically from a serialised snapshot", () => {
    // Bursts 15 minutes apart (sessions close between them); from the third burst on, one event
    // belongs to the session two bursts back, which has already been emitted.
    const minute = (b: number, i: number) => (i === 4 && b >= 2 ? b * 15 - 28 : b * 15 + i * 2);
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 5 }, (_, i) => event(`${b}-${i}`, `u${i % 2}`, minute(b, i), i % 2 ? "click" : "page_view")),
    );
    const endOfStream = { now: NOW, watermark: Number.MAX_SAFE_INTEGER };
    const straight = new SessionizeCore(config);
    const expected = [...batches.map((batch) => straight.process(batch, ctx)), straight.process([], endOfStream)];
    const first = new SessionizeCore(config);
    const before = batches.slice(0, 4).map((batch) => first.process(batch, ctx));
    const restored = new SessionizeCore(config, JSON.parse(JSON.stringify(first.snapshot())) as SessionizeState);
    const after = [...batches.slice(4).map((batch) => restored.process(batch, ctx)), restored.process([], endOfStream)];
    expect([...before, ...after]).toEqual(expected);
    const sessions = expected.flatMap((r) => r.outputs.sessions ?? []);
    expect(sessions.length).toBeGreaterThan(10);
    expect(sessions.some((s) => s.isLateUpdate)).toBe(true);
  });

  it("falls back to the anonymous id with the default user key", () => {
    const core = new SessionizeCore(SessionizeConfig.parse({ watermarkDelay: "0s" }));
    core.process([{ id: "a", type: "click", userId: null, anonymousId: "anon-1", timestamp: base }], ctx);
    const result = core.process([], { now: NOW, watermark: base + 3_600_000 });
    expect(result.outputs.sessions?.[0]?.userKey).toBe("anon-1");
  });
});
