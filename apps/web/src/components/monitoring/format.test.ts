import { describe, expect, it } from "vitest";
import { ago, bytesPerSec, clockTime, compact, lagTone, perSec, seconds, timeSpan, timeTickFormatter } from "./format";

describe("monitoring formats", () => {
  it("formats rates, durations and ages compactly", () => {
    expect(compact(0)).toBe("0");
    expect(compact(2.345)).toBe("2.3");
    expect(compact(1234)).toBe("1.2k");
    expect(compact(null)).toBe("–");
    expect(perSec(40)).toBe("40/s");
    expect(seconds(0.25)).toBe("250 ms");
    expect(seconds(75)).toBe("75 s");
    expect(seconds(600)).toBe("10 min");
    expect(ago(1000, 4000)).toBe("3.0 s ago");
    expect(ago(null)).toBe("–");
    expect(bytesPerSec(300)).toBe("300 B/s");
    expect(bytesPerSec(1536)).toBe("1.5 KiB/s");
    expect(bytesPerSec(3 * 1024 * 1024)).toBe("3.0 MiB/s");
  });

  it("colours lag by the shared thresholds", () => {
    expect(lagTone(null)).toBe("ok");
    expect(lagTone(5)).toBe("ok");
    expect(lagTone(6)).toBe("warn");
    expect(lagTone(61)).toBe("bad");
  });

  it("labels time axes with seconds when they span minutes, hours and minutes when they span hours", () => {
    const t0 = Date.UTC(2026, 0, 1, 7, 59, 0);
    const points = [0, 15, 30, 45].map((s) => ({ t: t0 + s * 1000 }));
    expect(timeSpan(points)).toBe(45_000);
    expect(timeSpan([])).toBe(0);
    const minutes = timeTickFormatter(timeSpan(points));
    // Ticks 15 s apart read differently, and match the tooltip's clock time.
    expect(new Set(points.map((p) => minutes(p.t))).size).toBe(4);
    expect(minutes(t0)).toBe(clockTime(t0));
    const hours = timeTickFormatter(6 * 3_600_000);
    expect(hours(t0)).toBe(hours(t0 + 30_000));
    expect(hours(t0)).not.toBe(hours(t0 + 60_000));
  });
});
