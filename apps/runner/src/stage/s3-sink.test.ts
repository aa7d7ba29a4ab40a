import { describe, expect, it } from "vitest";
import { toColumnValue } from "./s3-sink";

describe("s3-sink Parquet column values", () => {
  it("converts what fits the column's type and flags what does not", () => {
    const invalid = toColumnValue("x", "int64");
    expect(typeof invalid).toBe("symbol");
    expect([toColumnValue(undefined, "int64"), toColumnValue(null, "string")]).toEqual([null, null]);
    expect([
      toColumnValue(42, "int64"),
      toColumnValue("-7", "int64"),
      toColumnValue(1.5, "int64"),
      toColumnValue("9".repeat(20), "int64"),
      toColumnValue("9223372036854775808", "int64"),
      toColumnValue("-9223372036854775808", "int64"),
    ]).toEqual([42n, -7n, invalid, invalid, invalid, -(2n ** 63n)]);
    expect([
      toColumnValue(1.5, "double"),
      toColumnValue("2.5", "double"),
      toColumnValue("", "double"),
      toColumnValue(true, "double"),
    ]).toEqual([1.5, 2.5, invalid, invalid]);
    expect([toColumnValue(true, "boolean"), toColumnValue("false", "boolean"), toColumnValue(1, "boolean")]).toEqual([
      true,
      false,
      invalid,
    ]);
    expect([
      toColumnValue("2026-01-02T03:04:05Z", "timestamp"),
      toColumnValue(0, "timestamp"),
      toColumnValue("yesterday", "timestamp"),
    ]).toEqual([new Date("2026-01-02T03:04:05Z"), new Date(0), invalid]);
    expect([
      toColumnValue(12, "string"),
      toColumnValue({ a: 1 }, "string"),
      toColumnValue("x", "json"),
      toColumnValue([1], "json"),
    ]).toEqual(["12", '{"a":1}', '"x"', "[1]"]);
  });
});
