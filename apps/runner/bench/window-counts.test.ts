import { describe, expect, it } from "vitest";
import {
  addCounts,
  closedUpTo,
  compareWindowCounts,
  describeWindowCheck,
  weightedQuantile,
  windowKey,
  windowStartOf,
  type WindowCounts,
} from "./window-counts";

const SIZE = 10_000;
const t0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const expected: WindowCounts = new Map([
  [windowKey(t0, "click"), 120],
  [windowKey(t0, "purchase"), 30],
  [windowKey(t0 + SIZE, "click"), 118],
  [windowKey(t0 + SIZE, "purchase"), 29],
  // Still open at the check: the newest events are in it.
  [windowKey(t0 + 2 * SIZE, "click"), 7],
]);
const upTo = closedUpTo({ click: t0 + 2 * SIZE + 1500, purchase: t0 + 2 * SIZE + 1200 }, ["click", "purchase"], 1000);

describe("benchmark window check", () => {
  it("passes when every closed window landed with its exact count", () => {
    const check = compareWindowCounts(
      expected,
      new Map([...expected].filter(([k]) => !k.startsWith(String(t0 + 2 * SIZE)))),
      SIZE,
      upTo,
    );
    expect(check).toMatchObject({ ok: true, closed: 4, exact: 4, missing: [], wrong: [] });
  });

  it("fails on a count that is one off, and says which window and by how much", () => {
    const actual = new Map(expected);
    actual.delete(windowKey(t0 + 2 * SIZE, "click"));
    actual.set(windowKey(t0 + SIZE, "click"), 119);
    const check = compareWindowCounts(expected, actual, SIZE, upTo);
    expect(check.ok).toBe(false);
    expect(check.wrong).toEqual([{ window: windowKey(t0 + SIZE, "click"), expected: 118, actual: 119 }]);
    expect(describeWindowCheck(check)).toContain("2026-12-03T09:00:10.000Z click: expected 118, sink 119 (+1)");
  });

  it("fails when a closed window never landed, but not for the window still open", () => {
    const actual = new Map(expected);
    actual.delete(windowKey(t0 + 2 * SIZE, "click"));
    actual.delete(windowKey(t0, "purchase"));
    const check = compareWindowCounts(expected, actual, SIZE, upTo);
    expect(check.ok).toBe(false);
    expect(check.missing).toEqual([{ window: windowKey(t0, "purchase"), expected: 30, actual: null }]);
    expect(describeWindowCheck(check)).toContain("expected 30, sink nothing");
  });

  it("fails on results for windows the generator never fed (e.g. a filtered type)", () => {
    const actual = addCounts(new Map(expected), [[windowKey(t0, "signup"), 25]]);
    const check = compareWindowCounts(expected, actual, SIZE, upTo);
    expect(check.ok).toBe(false);
    expect(check.wrong).toEqual([{ window: windowKey(t0, "signup"), expected: 0, actual: 25 }]);
  });

  it("treats nothing as closed until every group has events", () => {
    expect(closedUpTo({ click: t0 }, ["click", "purchase"], 1000)).toBeNull();
    expect(compareWindowCounts(expected, new Map(), SIZE, null)).toMatchObject({ ok: true, closed: 0 });
  });

  it("places event times in tumbling windows and weights latency samples by events", () => {
    expect(windowStartOf(t0 + SIZE - 1, SIZE)).toBe(t0);
    expect(windowStartOf(t0 + SIZE, SIZE)).toBe(t0 + SIZE);
    const samples = [
      { value: 50, weight: 98 },
      { value: 900, weight: 2 },
    ];
    expect(weightedQuantile(samples, 0.5)).toBe(50);
    expect(weightedQuantile(samples, 0.99)).toBe(900);
    expect(weightedQuantile([], 0.99)).toBeNull();
  });
});
