import type { ASTNode } from "@marcbachmann/cel-js";
import { children } from "./referenced-fields";
import type { UserRegex } from "./user-regex";

/**
 * CEL is not Turing-complete, but it is not cheap either: comprehensions nest (five nested `all()`
 * over 20 elements are 3.2 million steps), strings and lists grow by concatenation, and a deep
 * comparison walks whole structures. Every evaluation therefore runs under a budget, enforced while
 * it runs; an expression over budget fails for that event (`expression.budget`, to the node's error
 * port) instead of stalling the process.
 */
export const EXPRESSION_LIMITS = {
  /** Cost units per evaluation: one per AST node evaluated (so one per comprehension step and more), plus the size-dependent charges below. */
  operations: 10_000,
  /** Comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) nested inside each other's bodies; checked at compile time. */
  comprehensionNesting: 3,
  /** Longest string an operation may produce (characters). */
  stringLength: 1_000_000,
  /** Longest list an operation may produce. */
  listLength: 10_000,
  /** Largest result converted to JSON, in approximate characters of JSON (values may share structure, JSON does not). */
  resultSize: 1_000_000,
  /** A string argument costs one unit per this many characters (matching, searching, splitting are linear). */
  charactersPerUnit: 256,
} as const;

export const BUDGET_EXCEEDED = "expression exceeded budget";

/** Thrown inside the evaluator; compile-expression turns it into an ExpressionEvaluationError. */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
}

/**
 * Counts the cost of one evaluation at a time. Exhaustion is sticky: CEL's `||`, `&&` and quantifiers
 * absorb errors of one branch, so the caller checks `exceeded` after the evaluation returns as well.
 */
export class ExpressionMeter {
  private remaining = 0;
  exceeded: string | undefined;

  start(): void {
    this.remaining = EXPRESSION_LIMITS.operations;
    this.exceeded = undefined;
  }

  charge(units: number): void {
    this.remaining -= units;
    if (this.remaining < 0) this.fail(`more than ${EXPRESSION_LIMITS.operations} operations`);
  }

  /** Units left, so a size measurement can stop early instead of walking a huge structure. */
  get left(): number {
    return Math.max(0, this.remaining);
  }

  fail(why: string): never {
    this.exceeded ??= why;
    throw new BudgetExceededError(`${BUDGET_EXCEEDED}: ${this.exceeded}`);
  }
}

/**
 * cel-js 8's runtime side of an AST node, which its typings leave out: the evaluator calls
 * `node.evaluate(evaluator, node, ctx)` for every node it visits, and a node's `meta` holds the
 * operator implementation or, for macros and resolved constants, the node to run instead. The
 * version is pinned; expression-budget.test.ts fails if this shape changes.
 */
type Evaluate = (this: RuntimeNode, evaluator: Evaluator, node: RuntimeNode, ctx: unknown) => unknown;
type Evaluator = { run(node: RuntimeNode, ctx: unknown): unknown };
type RuntimeMacro = { evaluate(evaluator: Evaluator, macro: RuntimeMacro, ctx: unknown): unknown };
type RuntimeNode = {
  op: string;
  args: unknown;
  readonly meta: { evaluate: Evaluate; alternate?: RuntimeNode; macro?: RuntimeMacro };
  evaluate: Evaluate;
};

/** Operators whose operands are walked in full by the operation itself. */
const COMPARISONS = new Set(["==", "!=", "in"]);
/** Macros that expand to comprehensions, by method name. */
const COMPREHENSION_MACROS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter"]);

/**
 * Deepest nesting of comprehensions in each other's bodies (a chain like `l.map(...).filter(...)`
 * is sequential, not nested), for the compile-time bound.
 */
export function comprehensionNesting(ast: ASTNode): { depth: number; deepest?: ASTNode } {
  let best: { depth: number; deepest?: ASTNode } = { depth: 0 };
  const walk = (node: ASTNode, depth: number): void => {
    if (node.op === "rcall" && COMPREHENSION_MACROS.has(node.args[0])) {
      const [, receiver, args] = node.args;
      walk(receiver, depth);
      if (depth + 1 > best.depth) best = { depth: depth + 1, deepest: node };
      for (const arg of args) walk(arg, depth + 1);
      return;
    }
    for (const child of children(node)) walk(child, depth);
  };
  walk(ast, 0);
  return best;
}

/**
 * Wraps the evaluation of every node of a type-checked AST (including the comprehensions macros
 * expand to) so that each evaluation is charged to `meter`, results are bounded in size, and
 * `matches()` with a literal pattern runs on the precompiled RE2 regex instead of a backtracking
 * RegExp built per call. Call once per compiled expression, after `check()`.
 */
export function meterExpression(ast: ASTNode, meter: ExpressionMeter, regexes: Map<ASTNode, UserRegex>): void {
  const seen = new Set<RuntimeNode>();
  const visit = (node: RuntimeNode, chargeOperand: boolean): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const inner = resolve(node, regexes.get(node as unknown as ASTNode));
    const producesValues = node.op === "+" || node.op === "call" || node.op === "rcall";
    // Most nodes only count; the checks on results are added where they apply (this runs per node visit).
    node.evaluate =
      producesValues || chargeOperand
        ? function metered(evaluator, self, ctx) {
            meter.charge(1);
            const result = inner.call(this, evaluator, self, ctx);
            if (producesValues) bound(result, meter);
            if (chargeOperand) meter.charge(operandCost(result, meter));
            return result;
          }
        : function counted(evaluator, self, ctx) {
            meter.charge(1);
            return inner.call(this, evaluator, self, ctx);
          };
    for (const { child, operand } of runtimeChildren(node)) visit(child, operand);
  };
  visit(ast as unknown as RuntimeNode, false);
}

/** What `node.evaluate` would run, resolved once (cel-js does the same on a node's first evaluation). */
function resolve(node: RuntimeNode, regex: UserRegex | undefined): Evaluate {
  if (regex) return matchesWith(node, regex);
  const { alternate, macro, evaluate } = node.meta;
  if (alternate) return (evaluator, _self, ctx) => alternate.evaluate(evaluator, alternate, ctx);
  if (macro) return (evaluator, _self, ctx) => macro.evaluate(evaluator, macro, ctx);
  return evaluate;
}

/** `s.matches(p)` / `matches(s, p)` with a precompiled pattern. */
function matchesWith(node: RuntimeNode, regex: UserRegex): Evaluate {
  const subject =
    node.op === "rcall"
      ? (node.args as [string, RuntimeNode, RuntimeNode[]])[1]
      : (node.args as [string, RuntimeNode[]])[1][0]!;
  return (evaluator, _self, ctx) => {
    const value = evaluator.run(subject, ctx);
    if (typeof value !== "string")
      throw new TypeError(`matches() needs a string, got ${value === null ? "null" : typeof value}`);
    return regex.test(value);
  };
}

/** Child nodes the evaluator may run, marking operands whose size the parent's work depends on. */
function runtimeChildren(node: RuntimeNode): { child: RuntimeNode; operand: boolean }[] {
  const { alternate, macro } = node.meta;
  if (alternate) return [{ child: alternate, operand: false }];
  const found: { child: RuntimeNode; operand: boolean }[] = [];
  const add = (value: unknown, operand: boolean): void => {
    if (isRuntimeNode(value)) found.push({ child: value, operand });
    else if (Array.isArray(value)) for (const item of value) add(item, operand);
  };
  if (macro) {
    // cel.bind(var, val, exp) and has(x.y): the macro object holds the nodes it runs.
    const { val, exp, macroHasProps } = macro as { val?: unknown; exp?: unknown; macroHasProps?: unknown };
    add([val, exp, macroHasProps], false);
  } else if (node.op === "comprehension") {
    const { iterable, init, step } = node.args as { iterable: unknown; init: unknown; step: unknown };
    add([iterable, init, step], false);
  } else {
    add(node.args, COMPARISONS.has(node.op) || node.op === "+" || node.op === "call" || node.op === "rcall");
  }
  return found;
}

function isRuntimeNode(value: unknown): value is RuntimeNode {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as RuntimeNode).op === "string" &&
    typeof (value as RuntimeNode).evaluate === "function"
  );
}

function bound(result: unknown, meter: ExpressionMeter): void {
  if (typeof result === "string") {
    if (result.length > EXPRESSION_LIMITS.stringLength)
      meter.fail(`a string longer than ${EXPRESSION_LIMITS.stringLength} characters`);
  } else if (Array.isArray(result) && result.length > EXPRESSION_LIMITS.listLength) {
    meter.fail(`a list longer than ${EXPRESSION_LIMITS.listLength} elements`);
  }
}

/**
 * The work an operator or function does with an operand it walks: strings by length, lists and maps
 * by their total number of elements (a comparison recurses into them). Measured only up to what is
 * left of the budget, so measuring never costs more than the budget itself.
 */
function operandCost(value: unknown, meter: ExpressionMeter): number {
  if (typeof value === "string") return Math.floor(value.length / EXPRESSION_LIMITS.charactersPerUnit);
  if (typeof value !== "object" || value === null) return 0;
  const limit = meter.left + 1;
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count < limit) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      count += current.length;
      for (const item of current) if (typeof item === "object" && item !== null) stack.push(item);
    } else if (current instanceof Map) {
      count += current.size;
      for (const item of current.values()) if (typeof item === "object" && item !== null) stack.push(item);
    } else if (isPlainObject(current)) {
      const values = Object.values(current);
      count += values.length;
      for (const item of values) if (typeof item === "object" && item !== null) stack.push(item);
    }
  }
  return count;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
