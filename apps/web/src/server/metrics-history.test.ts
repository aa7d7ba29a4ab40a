import { describe, expect, it } from "vitest";
import type { HistoryEntryV1 } from "@sluice/shared";
import { bucketHistory } from "./metrics-history";

const entry = (runnerId: string, at: number, inCount: number, lag: number): HistoryEntryV1 => ({
  runnerId,
  at,
  nodes: { f: { in: inCount, out: inCount, err: 0, dlq: 0, p50: 1, p99: runnerId === "a" ? 5 : 9 } },
  edges: { t: { lag, lagSec: lag / 10 } },
  sinks: {},
});

describe("bucketHistory", () => {
  it("adds counts across runners, turns them into rates per bucket and keeps the worst gauges", () => {
    const now = 1_000_000_000_000;
    const t0 = Math.floor((now - 10_000) / 5000) * 5000;
    const entries = [0, 1, 2, 3, 4].flatMap((s) => [
      entry("a", t0 + s * 1000, 100, 10),
      entry("b", t0 + s * 1000, 50, 30),
    ]);
    const [point] = bucketHistory(entries, "15m", now);
    expect(point?.t).toBe(t0);
    expect(point?.nodes.f?.inPerSec).toBe(150);
    expect(point?.nodes.f?.p99).toBe(9);
    expect(point?.edges.t).toEqual({ lag: 30, lagSec: 3 });
  });

  it("drops entries older than the range", () => {
    const now = 1_000_000_000_000;
    expect(bucketHistory([entry("a", now - 16 * 60_000, 1, 0)], "15m", now)).toEqual([]);
  });
});
