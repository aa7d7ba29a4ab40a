import { describe, expect, it } from "vitest";
import { partitionKey } from "./partition-key";

describe("partitionKey", () => {
  it("keys partitions by topic and number", () => {
    expect(partitionKey("a", 1)).not.toBe(partitionKey("a", 11));
    expect(partitionKey("a.1", 1)).not.toBe(partitionKey("a", 11));
    expect(partitionKey("a", 1)).toBe(partitionKey("a", 1));
  });
});
