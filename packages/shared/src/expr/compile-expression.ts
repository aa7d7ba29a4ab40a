import type { ASTNode, Environment, ParseResult } from "@marcbachmann/cel-js";
import type { EventRecord, JsonValue } from "../events/json-value";
import { createCelEnvironment } from "./cel-environment";
import { celToJson } from "./cel-to-json";
import { type ExpressionError, type ExpressionErrorCode, ExpressionEvaluationError } from "./expression-error";
import {
  BUDGET_EXCEEDED,
  BudgetExceededError,
  comprehensionNesting,
  EXPRESSION_LIMITS,
  ExpressionMeter,
  meterExpression,
} from "./expression-budget";
import { collectEventPathRefs, collectEventPaths, collectMatchesCalls, type EventPathRef } from "./referenced-fields";
import { positionAt } from "./source-position";
import { compileUserRegex, type UserRegex } from "./user-regex";

/**
 * What an expression is used for, which fixes its result type:
 * - `predicate`: filter/route conditions, must yield a bool;
 * - `value`: map assignments and sink values, any JSON value;
 * - `key`: keys and group-by values, coerced to a string (numbers and bools are stringified).
 */
export type ExpressionKind = "predicate" | "value" | "key";

type ResultOf<K extends ExpressionKind> = K extends "predicate" ? boolean : K extends "key" ? string : JsonValue;

/** Variables visible to an expression: the event and, optionally, the batch's processing time. */
export type ExpressionActivation = { event: EventRecord; now?: number };

export type CompiledExpression<K extends ExpressionKind = ExpressionKind> = {
  ok: true;
  source: string;
  kind: K;
  /** Event paths the expression reads, e.g. `props.amount`. */
  fields: string[];
  /** Each read of an event path with its source range, for editor underlines. */
  fieldRefs: EventPathRef[];
  /** Evaluates against one event under the cost budget (EXPRESSION_LIMITS). Throws ExpressionEvaluationError on failure. */
  evaluate(activation: ExpressionActivation): ResultOf<K>;
};

export type CompileExpressionResult<K extends ExpressionKind> =
  | CompiledExpression<K>
  | { ok: false; error: ExpressionError };

export const MAX_EXPRESSION_LENGTH = 4_000;

let sharedEnvironment: Environment | undefined;

/** Building the environment registers dozens of overloads: do it once per process, lazily. */
function environment(): Environment {
  sharedEnvironment ??= createCelEnvironment();
  return sharedEnvironment;
}

/** CEL's static type of an expression's result (`int`, `string`, `dyn`...), or undefined when it does not check. */
export function expressionResultType(source: string): string | undefined {
  if (source.length > MAX_EXPRESSION_LENGTH || source.trim() === "") return undefined;
  try {
    const checked = environment().parse(source).check();
    return checked.valid ? (checked.type ?? "dyn") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compiles a CEL expression once (per deploy, per preview run); the returned `evaluate` is then called
 * per event. Compilation parses, type-checks against `event: map, now: timestamp`, checks the result
 * type for the kind, bounds comprehension nesting, and compiles regex literals on RE2. It never
 * throws for bad user input.
 */
export function compileExpression<K extends ExpressionKind>(
  source: string,
  options: { kind: K },
): CompileExpressionResult<K> {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return failure("expression.too-long", `Expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, source, 0);
  }
  if (source.trim() === "") return failure("expression.syntax", "Expression is empty", source, 0);

  let parsed: ParseResult;
  try {
    parsed = environment().parse(source);
  } catch (error) {
    return fromCelError("expression.syntax", error, source);
  }

  const checked = parsed.check();
  if (!checked.valid) return fromCelError("expression.type", checked.error, source);
  const resultProblem = checkResultType(options.kind, checked.type ?? "dyn");
  if (resultProblem) return failure("expression.type", resultProblem, source, 0, source.length);

  const nesting = comprehensionNesting(parsed.ast);
  if (nesting.depth > EXPRESSION_LIMITS.comprehensionNesting && nesting.deepest) {
    const { start, end } = nesting.deepest;
    return failure(
      "expression.too-complex",
      `Comprehensions (all, exists, map, filter...) can be nested at most ${EXPRESSION_LIMITS.comprehensionNesting} deep; this one is at depth ${nesting.depth}`,
      source,
      start,
      end,
    );
  }
  const regexes = compileRegexes(parsed.ast, source);
  if (!(regexes instanceof Map)) return { ok: false, error: regexes };
  const meter = new ExpressionMeter();
  meterExpression(parsed.ast, meter, regexes);

  const fieldRefs = collectEventPathRefs(parsed.ast);
  const fields = [...new Set(fieldRefs.map((ref) => ref.path))].sort();
  const usesNow = /\bnow\b/.test(source);
  const convert = resultConverter(options.kind, source);
  return {
    ok: true,
    source,
    kind: options.kind,
    fields,
    fieldRefs,
    evaluate(activation) {
      let raw: unknown;
      meter.start();
      try {
        raw = parsed(
          usesNow ? { event: activation.event, now: new Date(activation.now ?? 0) } : { event: activation.event },
        );
      } catch (error) {
        throw meter.exceeded ? budgetError(meter.exceeded, source) : evaluationError(error, source);
      }
      // `||`, `&&` and quantifiers absorb a failing branch; a budget once exceeded still fails the event.
      if (meter.exceeded) throw budgetError(meter.exceeded, source);
      return convert(raw) as ResultOf<K>;
    },
  };
}

const PREDICATE_TYPES = new Set(["bool", "dyn"]);
const KEY_TYPES = new Set(["string", "int", "uint", "double", "bool", "dyn"]);

function checkResultType(kind: ExpressionKind, type: string): string | undefined {
  if (kind === "predicate" && !PREDICATE_TYPES.has(type))
    return `A condition must be true or false, but this expression gives ${type}`;
  if (kind === "key" && !KEY_TYPES.has(type))
    return `A key must be a string or number, but this expression gives ${type}`;
  return undefined;
}

function resultConverter(kind: ExpressionKind, source: string): (raw: unknown) => JsonValue {
  if (kind === "predicate") {
    return (raw) => {
      if (typeof raw !== "boolean")
        throw new ExpressionEvaluationError(
          `Condition gave ${describe(raw)} instead of true or false`,
          source,
          undefined,
        );
      return raw;
    };
  }
  if (kind === "key") {
    return (raw) => {
      const value = celToJsonOrThrow(raw, source);
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new ExpressionEvaluationError(`Key gave ${describe(raw)} instead of a string`, source, undefined);
    };
  }
  return (raw) => celToJsonOrThrow(raw, source);
}

function celToJsonOrThrow(raw: unknown, source: string): JsonValue {
  try {
    return celToJson(raw);
  } catch (error) {
    throw new ExpressionEvaluationError(
      (error as Error).message,
      source,
      undefined,
      error instanceof BudgetExceededError ? "expression.budget" : "expression.evaluation",
    );
  }
}

function budgetError(why: string, source: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError(`${BUDGET_EXCEEDED}: ${why}`, source, undefined, "expression.budget");
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** Compiles each matches() pattern once, on RE2; a pattern that is not a literal cannot be checked before deploy. */
function compileRegexes(ast: ASTNode, source: string): Map<ASTNode, UserRegex> | ExpressionError {
  const regexes = new Map<ASTNode, UserRegex>();
  for (const { call, pattern } of collectMatchesCalls(ast)) {
    if (pattern.op !== "value" || typeof pattern.args !== "string") {
      return failure(
        "expression.regex",
        "matches() needs a literal pattern so it can be checked before deploy",
        source,
        pattern.start,
        pattern.end,
      ).error;
    }
    const compiled = compileUserRegex(pattern.args);
    if (!compiled.ok) return failure("expression.regex", compiled.reason, source, pattern.start, pattern.end).error;
    regexes.set(call, compiled.regex);
  }
  return regexes;
}

type CelErrorLike = { summary?: string; message?: string; range?: { start: number; end: number } };

function fromCelError(
  code: ExpressionErrorCode,
  error: unknown,
  source: string,
): { ok: false; error: ExpressionError } {
  const celError = (error ?? {}) as CelErrorLike;
  return failure(
    code,
    celError.summary ?? celError.message ?? "Invalid expression",
    source,
    celError.range?.start ?? 0,
    celError.range?.end,
  );
}

function evaluationError(error: unknown, source: string): ExpressionEvaluationError {
  const celError = (error ?? {}) as CelErrorLike;
  const start = celError.range?.start;
  return new ExpressionEvaluationError(
    celError.summary ?? celError.message ?? "Expression failed",
    source,
    start === undefined ? undefined : positionAt(source, start),
  );
}

function failure(
  code: ExpressionErrorCode,
  message: string,
  source: string,
  start: number,
  end?: number,
): { ok: false; error: ExpressionError } {
  const error: ExpressionError = { code, message, position: positionAt(source, start) };
  if (end !== undefined && end > start) error.endOffset = end;
  return { ok: false, error };
}

/**
 * Event paths an expression reads, or undefined when it does not parse. For design-time checks
 * ("field not produced upstream") without compiling for evaluation.
 */
export function referencedFields(source: string): string[] | undefined {
  try {
    return collectEventPaths(environment().parse(source).ast);
  } catch {
    return undefined;
  }
}
