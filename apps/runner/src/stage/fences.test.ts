import { describe, expect, it } from "vitest";
import { fnv1a32 } from "@sluice/shared";
import { admitFenced, FENCE_HEADER, fenceNumbering, fenceStreamOf } from "./fences";

describe("fence numbers", () => {
  it("names a writer's stream by its input topic (hashed) and partition", () => {
    expect(fenceStreamOf("sluice.w.p.a.out", 3)).toBe(`${fnv1a32("sluice.w.p.a.out").toString(36)}.3`);
    expect(FENCE_HEADER).toBe("x-sluice-src");
  });

  it("numbers each source offset's outputs per topic: offset × 1024 + index", () => {
    const next = fenceNumbering("s.0");
    expect(next("t", "7")).toEqual({ "x-sluice-src": "s.0 7168" });
    expect(next("t", "7")).toEqual({ "x-sluice-src": "s.0 7169" });
    expect(next("u", "7")).toEqual({ "x-sluice-src": "s.0 7168" });
    expect(next("t", "8")).toEqual({ "x-sluice-src": "s.0 8192" });
    // A re-run numbers its copies the same.
    const again = fenceNumbering("s.0");
    expect(again("t", "7")).toEqual({ "x-sluice-src": "s.0 7168" });
  });

  it("gives no number past 1024 outputs of one offset (those are always applied)", () => {
    const next = fenceNumbering("s.0");
    for (let i = 0; i < 1024; i++) expect(next("t", "1")).toBeDefined();
    expect(next("t", "1")).toBeUndefined();
  });

  it("admits increasing numbers per stream and skips copies at or below the highest applied", () => {
    const seen: Record<string, number> = {};
    expect(admitFenced(seen, "a.0 5")).toBe(true);
    expect(admitFenced(seen, "a.0 6")).toBe(true);
    expect(admitFenced(seen, "a.0 6")).toBe(false);
    expect(admitFenced(seen, "a.0 2")).toBe(false);
    expect(admitFenced(seen, "b.1 1")).toBe(true);
    expect(seen).toEqual({ "a.0": 6, "b.1": 1 });
    // An unreadable number is applied and moves nothing.
    expect(admitFenced(seen, "a.0 x")).toBe(true);
    expect(seen).toEqual({ "a.0": 6, "b.1": 1 });
  });
});
