import { describe, expect, it } from "vitest";
import { ago, bytesPerSec, compact, lagTone, perSec, seconds } from "./format";

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
});
