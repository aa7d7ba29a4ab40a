import { describe, expect, it } from "vitest";
import { IncomingEvent } from "./activity-event";
import { fastIncomingEvent } from "./incoming-event-fast";

const valid = {
  id: "evt-1",
  type: "purchase",
  userId: "user-1",
  timestamp: "2026-11-29T10:00:00.000Z",
  props: { amount: 12.5, items: [{ sku: "a", qty: 1 }], gift: false, note: null },
  context: {
    page: { url: "https://shop.example/p", title: "P", extra: 1 },
    userAgent: "ua",
    locale: "en-GB",
    campaign: { source: "mail" },
    device: { mobile: true },
    app: { v: "1" },
  },
};

// Valid and invalid shapes around every field the envelope checks.
const cases: unknown[] = [
  valid,
  { type: "click", anonymousId: "anon-1" },
  { type: "click", userId: null, anonymousId: "a" },
  { type: "click", userId: "u", timestamp: 1_764_410_400_000 },
  { type: "click", userId: "u", unknownTopLevel: { kept: "no" } },
  { ...valid, timestamp: "2026-11-29T10:00:00+02:00" },
  { ...valid, timestamp: "2026-11-29" },
  { ...valid, timestamp: "yesterday" },
  { ...valid, timestamp: -1 },
  { ...valid, timestamp: 1.5 },
  { ...valid, timestamp: 2 ** 60 },
  { ...valid, id: "" },
  { ...valid, id: "x".repeat(129) },
  { ...valid, id: 42 },
  { ...valid, type: "" },
  { ...valid, type: undefined },
  { ...valid, userId: "" },
  { type: "click" },
  { type: "click", userId: null },
  { ...valid, anonymousId: "" },
  { ...valid, sessionId: "s".repeat(257) },
  { ...valid, props: [] },
  { ...valid, props: { n: Number.NaN } },
  { ...valid, props: { d: new Date(0) } },
  { ...valid, props: null },
  { ...valid, context: { page: "home" } },
  { ...valid, context: { page: { url: 1 } } },
  { ...valid, context: { ip: 127 } },
  { ...valid, context: { campaign: { source: 1 } } },
  { ...valid, context: { device: [] } },
  { ...valid, context: { custom: Number.POSITIVE_INFINITY } },
  { ...valid, context: null },
  [valid],
  "event",
  null,
  42,
];

describe("fastIncomingEvent", () => {
  it("agrees with the IncomingEvent schema whenever it answers, and answers for the plain valid shapes", () => {
    let answered = 0;
    for (const item of cases) {
      const fast = fastIncomingEvent(item);
      if (fast === undefined) continue;
      answered++;
      const parsed = IncomingEvent.safeParse(item);
      expect(parsed.success, JSON.stringify(item)).toBe(true);
      expect(fast).toEqual(parsed.data);
    }
    expect(answered).toBeGreaterThanOrEqual(6);
    expect(fastIncomingEvent(valid)).toBeDefined();
    expect(fastIncomingEvent({ type: "click", anonymousId: "anon-1" })).toBeDefined();
  });

  it("leaves every item the schema rejects to the schema (so its messages stay the same)", () => {
    for (const item of cases) {
      if (IncomingEvent.safeParse(item).success) continue;
      expect(fastIncomingEvent(item), JSON.stringify(item)).toBeUndefined();
    }
  });
});
