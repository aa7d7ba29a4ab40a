import { randomBytes } from "node:crypto";
import { compatibilityPartitioner } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { javaCompatiblePartitioner, partitionForKey } from "./partitioner";

// Expected values computed with the Java client 4.4 (Utils.toPositive(Utils.murmur2(key)) % n).
// user-2, -5, -6, -8, -9, -10, -11 and user-9999 have negative murmur2 hashes: the case where a
// non-Java partitioner would disagree.
const JAVA_6_PARTITIONS: [string, number][] = [
  ["user-0", 1],
  ["user-1", 2],
  ["user-2", 2],
  ["user-3", 5],
  ["user-4", 1],
  ["user-5", 4],
  ["user-6", 5],
  ["user-7", 2],
  ["user-8", 3],
  ["user-9", 5],
  ["user-10", 2],
  ["user-11", 4],
  ["user-9999", 4],
  ["alice", 3],
  ["bob@example.com", 2],
  ["ÄÖÜ-ключ", 2],
  ["", 3],
];

describe("partitionForKey", () => {
  it.each(JAVA_6_PARTITIONS)("places %j where the Java client does", (key, partition) => {
    expect(partitionForKey(key, 6)).toBe(partition);
    expect(partitionForKey(Buffer.from(key), 6)).toBe(partition);
  });
});

describe("javaCompatiblePartitioner", () => {
  it("hashes every key length as the library's murmur2 does", () => {
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(i % 67);
      expect(javaCompatiblePartitioner(undefined as never, key)).toBe(
        compatibilityPartitioner(undefined as never, key),
      );
    }
    for (const [key] of JAVA_6_PARTITIONS)
      expect(javaCompatiblePartitioner(undefined as never, Buffer.from(key))).toBe(
        compatibilityPartitioner(undefined as never, Buffer.from(key)),
      );
  });

  it("puts messages without a key on partition 0, as the library does", () => {
    expect(javaCompatiblePartitioner(undefined as never, undefined as never)).toBe(0);
  });
});
