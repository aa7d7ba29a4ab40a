import { describe, expect, it } from "vitest";
import { HOSTILE_EVENT, HOSTILE_EXPRESSIONS } from "../test-support/hostile-expressions";
import { compileExpression, type ExpressionKind } from "./compile-expression";
import { EXPRESSION_LIMITS } from "./expression-budget";
import { ExpressionEvaluationError } from "./expression-error";

function compiled(source: string, kind: ExpressionKind = "value") {
  const result = compileExpression(source, { kind });
  if (!result.ok) throw new Error(`expected ${source} to compile: ${result.error.message}`);
  return result;
}

function evaluationFailure(
  source: string,
  event: Record<string, never> | typeof HOSTILE_EVENT = {},
  kind: ExpressionKind = "value",
) {
  try {
    compiled(source, kind).evaluate({ event });
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to fail`);
}

const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(", ")}]`;

describe("hostile expressions", () => {
  it("has at least 50 of them", () => {
    expect(HOSTILE_EXPRESSIONS.length).toBeGreaterThanOrEqual(50);
  });

  it.each(HOSTILE_EXPRESSIONS.map((h) => [h.name, h] as const))("%s: refused or answered quickly", (_name, hostile) => {
    const started = performance.now();
    const result = compileExpression(hostile.source, { kind: hostile.kind });
    if (typeof hostile.outcome === "object") {
      expect(result.ok ? "compiled" : result.error.code).toBe(hostile.outcome.compile);
    } else {
      if (!result.ok) throw new Error(`${hostile.source.slice(0, 80)} did not compile: ${result.error.message}`);
      let outcome: string;
      try {
        result.evaluate({ event: HOSTILE_EVENT });
        outcome = "ok";
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionEvaluationError);
        outcome = (error as ExpressionEvaluationError).code === "expression.budget" ? "budget" : "error";
      }
      expect(outcome).toBe(hostile.outcome);
    }
    // Exponential work would take minutes; the budget keeps each one to milliseconds (generous bound for a loaded machine).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("expression budget", () => {
  it("lets a comprehension just under the budget run and fails one over it", () => {
    // Each step of all() evaluates a handful of nodes: 1,000 steps fit, 10,000 do not.
    const nums = Array.from({ length: 1_000 }, (_, i) => i);
    expect(compiled("event.nums.all(x, x >= 0)", "predicate").evaluate({ event: { nums } })).toBe(true);
    const error = evaluationFailure(`${list(100)}.all(x, ${list(100)}.all(y, x + y >= 0))`);
    expect(error.code).toBe("expression.budget");
    expect(error.message).toBe(`expression exceeded budget: more than ${EXPRESSION_LIMITS.operations} operations`);
  });

  it("starts every evaluation with a full budget", () => {
    const heavy = compiled(`${list(30)}.all(x, ${list(30)}.all(y, x + y >= 0))`, "predicate");
    for (let i = 0; i < 5; i++) expect(heavy.evaluate({ event: {} })).toBe(true);
  });

  it("is not absorbed by || or by a quantifier that tolerates errors", () => {
    const loop = `${list(100)}.all(x, ${list(100)}.all(y, x + y >= 0))`;
    expect(evaluationFailure(`${loop} || true`, {}, "predicate").code).toBe("expression.budget");
    expect(evaluationFailure(`[1, 2].exists(i, i == 2 || ${loop})`, {}, "predicate").code).toBe("expression.budget");
  });

  it("bounds the strings and lists an operation produces", () => {
    const event = { ...HOSTILE_EVENT, text: "x".repeat(600_000) } as typeof HOSTILE_EVENT;
    expect(evaluationFailure("size(event.text + event.text)", event).message).toMatch(
      /a string longer than 1000000 characters/,
    );
    expect(evaluationFailure('size(event.text.split(""))', HOSTILE_EVENT).message).toMatch(
      /expression exceeded budget/,
    );
    const nums = Array.from({ length: 6_000 }, (_, i) => i);
    expect(
      evaluationFailure("size(event.nums + event.nums)", { ...HOSTILE_EVENT, nums } as typeof HOSTILE_EVENT).code,
    ).toBe("expression.budget");
  });

  it("bounds the size of a result as JSON", () => {
    const shared =
      "cel.bind(a, [event.text, event.text, event.text, event.text, event.text], [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a])";
    const event = { ...HOSTILE_EVENT, text: "x".repeat(20_000) } as typeof HOSTILE_EVENT;
    expect(evaluationFailure(shared, event).message).toBe(
      `expression exceeded budget: a result larger than ${EXPRESSION_LIMITS.resultSize} characters of JSON`,
    );
  });

  it("refuses comprehensions nested deeper than the limit at compile time, pointing at the innermost", () => {
    const source = "event.a.all(x, event.b.all(y, event.c.all(z, event.d.all(w, w == x))))";
    const result = compileExpression(source, { kind: "predicate" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: "expression.too-complex", position: { column: 46 } });
    // A chain is sequential, not nested.
    expect(
      compileExpression("event.a.map(x, x).filter(x, x > 1).map(x, x).filter(x, x > 2).all(x, x > 3)", {
        kind: "predicate",
      }).ok,
    ).toBe(true);
  });

  it("keeps `__proto__` an ordinary key in results", () => {
    const event = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, never>;
    const value = compiled("event").evaluate({ event }) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });
});

describe("regular expressions", () => {
  it("match anywhere in the string with RE2 syntax", () => {
    const cases: [string, string, boolean][] = [
      ["evt_[0-9a-f]+", "id: evt_12ab", true],
      ["^evt_[0-9a-f]+$", "id: evt_12ab", false],
      ["(?i)^purchase$", "PURCHASE", true],
      ["[[:digit:]]{3}", "ab123", true],
      ["^\\\\p{Greek}+$", "αβγ", true],
      ["^.$", "😀", true],
    ];
    for (const [pattern, input, expected] of cases) {
      expect(
        compiled(`event.s.matches("${pattern}")`, "predicate").evaluate({ event: { s: input } }),
        `${pattern} on ${input}`,
      ).toBe(expected);
    }
  });

  it("fails the event, not the process, when the subject is not a string", () => {
    expect(evaluationFailure('event.n.matches("a")', { n: 1 } as never, "predicate").message).toMatch(
      /matches\(\) needs a string/,
    );
  });
});
