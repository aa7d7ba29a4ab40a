import { describe, expect, it } from "vitest";
import { JsonSchemaSubset, schemaFieldPaths } from "./json-schema-subset";
import { createSchemaValidator } from "./validate-json-schema";

const schema = JsonSchemaSubset.parse({
  type: "object",
  required: ["id", "type"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 8 },
    type: { enum: ["click", "purchase"] },
    email: { type: "string", format: "email" },
    at: { type: "string", format: "date-time" },
    count: { type: "integer", minimum: 0, exclusiveMaximum: 10, multipleOf: 2 },
    price: { type: "number", multipleOf: 0.01 },
    code: { type: "string", pattern: "^[A-Z]{3}$" },
    tags: { type: "array", items: { type: "string" }, maxItems: 2 },
    ip: { type: "string", format: "ipv4" },
    nested: { type: "object", properties: { flag: { const: true } }, additionalProperties: false },
  },
});
const validate = createSchemaValidator(schema);

describe("createSchemaValidator", () => {
  it("passes a valid record", () => {
    expect(
      validate({
        id: "e1",
        type: "click",
        email: "a@b.co",
        at: "2024-05-01T10:00:00Z",
        count: 4,
        price: 0.3,
        code: "EUR",
        tags: ["x"],
        ip: "10.0.0.1",
        nested: { flag: true },
      }),
    ).toEqual([]);
  });

  it("reports every violation with its path and keyword", () => {
    const violations = validate({
      id: "",
      email: "nope",
      at: "yesterday",
      count: 11,
      code: "eur",
      tags: ["a", 1, "c"],
      ip: "300.1.1.1",
      nested: { flag: false, extra: 1 },
    });
    expect(violations.map((v) => `${v.path}:${v.keyword}`)).toEqual([
      "type:required",
      "id:minLength",
      "email:format",
      "at:format",
      "count:exclusiveMaximum",
      "count:multipleOf",
      "code:pattern",
      "tags:maxItems",
      "tags.1:type",
      "ip:format",
      "nested.flag:const",
      "nested.extra:additionalProperties",
    ]);
  });

  it("checks types including integer vs number and null", () => {
    const nullable = createSchemaValidator({ type: ["string", "null"] });
    expect(nullable(null)).toEqual([]);
    expect(nullable(3)[0]?.message).toBe("must be string or null, got number");
    expect(createSchemaValidator({ type: "integer" })(1.5)).toHaveLength(1);
  });

  it("counts string lengths in code points at and around the limits", () => {
    const bounded = createSchemaValidator({ type: "string", minLength: 2, maxLength: 3 });
    const keywords = (value: string) => bounded(value).map((v) => v.keyword);
    // "😀" is two UTF-16 units and one code point.
    expect(keywords("😀")).toEqual(["minLength"]);
    expect(keywords("😀😀")).toEqual([]);
    expect(keywords("😀😀😀")).toEqual([]);
    expect(keywords("😀😀😀😀")).toEqual(["maxLength"]);
    expect(keywords("ab😀")).toEqual([]);
    expect(keywords("abc😀")).toEqual(["maxLength"]);
    expect(keywords("a")).toEqual(["minLength"]);
    expect(keywords("abcd")).toEqual(["maxLength"]);
  });

  it("compares enum members by value whatever their type", () => {
    const mixed = createSchemaValidator({ enum: ["1", 1, null, { a: [1] }] });
    for (const value of ["1", 1, null, { a: [1] }]) expect(mixed(value)).toEqual([]);
    for (const value of ["2", 2, "null", true, { a: [2] }, '{"a":[1]}'])
      expect(mixed(value).map((v) => v.message)).toEqual(['must be one of "1", 1, null, {"a":[1]}']);
  });

  it("names nested paths the same for every event it checks", () => {
    const nested = createSchemaValidator({
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "integer" } } }, c: { type: "string" } },
    });
    for (let i = 0; i < 3; i++) {
      expect(nested({ a: { b: 1.5 }, c: 1 }).map((v) => v.path)).toEqual(["a.b", "c"]);
      expect(nested({ a: { b: "x" } }).map((v) => v.path)).toEqual(["a.b"]);
    }
  });
});

describe("JsonSchemaSubset", () => {
  it("rejects unsupported keywords by name so nothing is silently ignored", () => {
    const result = JsonSchemaSubset.safeParse({ type: "object", properties: { a: { oneOf: [{ type: "string" }] } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ["properties", "a"],
      message: "Unsupported JSON Schema keyword: oneOf",
    });
  });

  it("runs patterns on RE2: catastrophic shapes match in linear time, backreferences are refused", () => {
    const validate = createSchemaValidator({ type: "string", pattern: "^(a+)+$" });
    const started = performance.now();
    expect(validate(`${"a".repeat(50_000)}!`)).toEqual([expect.objectContaining({ keyword: "pattern" })]);
    expect(performance.now() - started).toBeLessThan(1_000);
    const refused = JsonSchemaSubset.safeParse({ type: "string", pattern: "(a)\\1" });
    expect(refused.error?.issues[0]?.message).toMatch(/Unsupported regular expression/);
  });

  it("lists declared property paths for field inference", () => {
    expect(schemaFieldPaths(schema)).toContain("nested.flag");
  });
});
