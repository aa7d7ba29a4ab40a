import { describe, expect, it } from "vitest";
import { compileExpression, referencedFields } from "./compile-expression";
import { ExpressionEvaluationError } from "./expression-error";

function compiled<K extends "predicate" | "value" | "key">(source: string, kind: K) {
  const result = compileExpression(source, { kind });
  if (!result.ok) throw new Error(`expected ${source} to compile: ${result.error.message}`);
  return result;
}

function failure(source: string, kind: "predicate" | "value" | "key" = "predicate") {
  const result = compileExpression(source, { kind });
  if (result.ok) throw new Error(`expected ${source} to fail`);
  return result.error;
}

describe("compileExpression", () => {
  it("evaluates a typical filter against plain JSON events", () => {
    const filter = compiled('event.type == "purchase" && event.props.amount > 10', "predicate");
    expect(filter.evaluate({ event: { type: "purchase", props: { amount: 25 } } })).toBe(true);
    expect(filter.evaluate({ event: { type: "purchase", props: { amount: 5 } } })).toBe(false);
    expect(filter.fields).toEqual(["props.amount", "type"]);
  });

  it("reports syntax errors with line, column and offset", () => {
    const error = failure('event.type == "purchase" &&\n  event.props.amount >');
    expect(error.code).toBe("expression.syntax");
    expect(error.position).toEqual({ line: 2, column: 23, offset: 50 });
  });

  it("reports an unterminated string where it starts", () => {
    const error = failure('event.type == "purch');
    expect(error.code).toBe("expression.syntax");
    expect(error.position.line).toBe(1);
    expect(error.position.column).toBeGreaterThanOrEqual(15);
  });

  it("reports type errors and unknown variables with their range", () => {
    const typeError = failure('event.type == "a" && 1 + "b" == "c"');
    expect(typeError).toMatchObject({ code: "expression.type", position: { column: 22 } });
    expect(failure("user.id == 1")).toMatchObject({
      code: "expression.type",
      message: expect.stringContaining("user"),
    });
  });

  it("checks the result type for the expression kind", () => {
    expect(failure("size(event.props)", "predicate").message).toMatch(/true or false/);
    expect(failure("[event.id]", "key").message).toMatch(/string or number/);
    expect(compileExpression("event.props", { kind: "value" }).ok).toBe(true);
  });

  it("rejects empty and oversized expressions, and patterns RE2 cannot run", () => {
    expect(failure("   ").code).toBe("expression.syntax");
    expect(failure(`event.id == "${"x".repeat(5_000)}"`).code).toBe("expression.too-long");
    expect(failure(String.raw`event.id.matches("(a)\\1")`)).toMatchObject({
      code: "expression.regex",
      position: { column: 18 },
    });
    expect(failure("event.id.matches(event.pattern)").code).toBe("expression.regex");
    expect(compileExpression('event.id.matches("^evt_[0-9a-f]+$")', { kind: "predicate" }).ok).toBe(true);
  });

  it("allows mixed int/double arithmetic on JSON numbers", () => {
    const total = compiled("event.props.amount * 2 + 1", "value");
    expect(total.evaluate({ event: { props: { amount: 2.5 } } })).toBe(6);
    expect(compiled("int(event.props.amount * 100)", "value").evaluate({ event: { props: { amount: 12.34 } } })).toBe(
      1234,
    );
  });

  it("converts CEL values to JSON", () => {
    const value = compiled(
      '{"n": 1, "list": [1, 2.5], "when": timestamp("2024-05-01T00:00:00Z"), "bytes": b"hi", "none": null}',
      "value",
    );
    expect(value.evaluate({ event: {} })).toEqual({
      n: 1,
      list: [1, 2.5],
      when: "2024-05-01T00:00:00.000Z",
      bytes: "aGk=",
      none: null,
    });
  });

  it("stringifies scalar keys", () => {
    const key = compiled("event.props.amount", "key");
    expect(key.evaluate({ event: { props: { amount: 42 } } })).toBe("42");
    expect(() => key.evaluate({ event: { props: { amount: null } } })).toThrow(ExpressionEvaluationError);
  });

  it("throws a located ExpressionEvaluationError when an event lacks a field", () => {
    const filter = compiled("event.props.amount > 10", "predicate");
    try {
      filter.evaluate({ event: { props: {} } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionEvaluationError);
      expect((error as ExpressionEvaluationError).position).toEqual({ line: 1, column: 13, offset: 12 });
    }
  });

  it("gives `now` the batch time", () => {
    const recent = compiled('timestamp(event.timestamp) > now - duration("1h")', "predicate");
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(recent.evaluate({ event: { timestamp: "2024-05-01T11:30:00Z" }, now })).toBe(true);
    expect(recent.evaluate({ event: { timestamp: "2024-05-01T10:30:00Z" }, now })).toBe(false);
  });

  it("supports optional chaining for missing fields", () => {
    const coupon = compiled('event.?props.?coupon.orValue("none")', "value");
    expect(coupon.evaluate({ event: { props: {} } })).toBe("none");
  });
});

describe("referencedFields", () => {
  it("lists static event paths, including index syntax and has()", () => {
    expect(referencedFields('has(event.props.coupon) && event["context"]["page"].path == "/"')).toEqual([
      "context.page.path",
      "props.coupon",
    ]);
  });

  it("stops at dynamic indexes and ignores macro variables", () => {
    expect(referencedFields('event.items.exists(i, i.sku == "a") && event.map[event.key] == 1')).toEqual([
      "items",
      "key",
      "map",
    ]);
    expect(referencedFields("[1, 2].map(event, event + 1).size() > 0")).toEqual([]);
  });

  it("returns undefined for unparsable input", () => {
    expect(referencedFields("event.")).toBeUndefined();
  });
});
