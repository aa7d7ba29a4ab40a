import { describe, expect, it } from "vitest";
import { createNodeStats } from "./node-stats";

describe("node stats", () => {
  it("keeps the newest five distinct batch errors per node, newest first", () => {
    const stats = createNodeStats();
    for (const message of ["a", "b", "b", "c", "d", "e", "f"]) stats.error("p", "n", message);
    expect(stats.get("p", "n").errors.map((e) => e.message)).toEqual(["f", "e", "d", "c", "b"]);
    expect(stats.get("p", "other").errors).toEqual([]);
    stats.error("p", "n", "x".repeat(2000));
    expect(stats.get("p", "n").errors[0]!.message).toHaveLength(500);
  });

  it("adds retried records and bytes read", () => {
    const stats = createNodeStats();
    stats.retried("p", "n", 100);
    stats.retried("p", "n", 50);
    stats.bytesIn("p", "n", 3000);
    expect(stats.get("p", "n")).toMatchObject({ retries: 150, bytesIn: 3000 });
    stats.forget("p");
    expect(stats.get("p", "n")).toMatchObject({ retries: 0, bytesIn: 0, errors: [] });
  });
});
