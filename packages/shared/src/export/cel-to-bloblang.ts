import type { ASTNode, Environment } from "@marcbachmann/cel-js";
import { createCelEnvironment } from "../expr/cel-environment";

/** A CEL expression as Bloblang, or why it has no faithful Bloblang equivalent. */
export type BloblangTranslation = { ok: true; bloblang: string } | { ok: false; reason: string };

/** Thrown inside the walk; turned into `{ ok: false }` at the top, never escapes. */
class Untranslatable extends Error {}

let environment: Environment | undefined;

// Bloblang binds like C: unary > multiplicative > additive > comparison > && > ||. `if` expressions
// and anything looser are wrapped in parentheses wherever they are operands.
const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};
const UNARY = 6;
const ATOM = 7;

/** CEL receiver methods with an exact Bloblang counterpart (same arguments, same result). */
const METHODS: Record<string, string> = {
  startsWith: "has_prefix",
  endsWith: "has_suffix",
  contains: "contains",
  matches: "re_match",
};

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter"]);

type Emitted = { text: string; precedence: number };

/**
 * Translates the common subset of the CEL Sluice users write into a Bloblang query over `this` (the
 * message, which is the event): field paths, literals, comparisons, boolean and arithmetic operators,
 * `in`, `has()`, `size()`, `string()`/`double()`, string prefix/suffix/contains/matches and the
 * ternary. Anything else is reported with a reason instead of approximated, e.g. `int()` (CEL
 * truncates toward zero, Bloblang's `int64()` rejects fractions), optional selection, macros, `now`.
 *
 * Known remaining difference: reading a missing field is an error in CEL (the event goes to Errors)
 * but yields `null` in Bloblang.
 */
export function celToBloblang(source: string): BloblangTranslation {
  environment ??= createCelEnvironment();
  let ast: ASTNode;
  try {
    ast = environment.parse(source).ast;
  } catch (error) {
    return { ok: false, reason: `does not parse as CEL: ${(error as Error).message.split("\n")[0]}` };
  }
  try {
    return { ok: true, bloblang: emit(ast).text };
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
}

function emit(node: ASTNode): Emitted {
  switch (node.op) {
    case "value":
      return { text: literal(node.args), precedence: ATOM };
    case "id":
      if (node.args === "event") return { text: "this", precedence: ATOM };
      if (node.args === "now")
        throw new Untranslatable("`now` (the batch's processing time) has no Bloblang equivalent of the same type");
      throw new Untranslatable(`unknown variable \`${node.args}\``);
    case ".":
      return { text: `${operand(node.args[0], ATOM)}.${pathSegment(node.args[1])}`, precedence: ATOM };
    case "[]": {
      const [target, index] = node.args;
      if (index.op === "value" && typeof index.args === "string")
        return { text: `${operand(target, ATOM)}.${pathSegment(index.args)}`, precedence: ATOM };
      if (index.op === "value" && typeof index.args === "bigint")
        return { text: `${operand(target, ATOM)}.index(${index.args})`, precedence: ATOM };
      throw new Untranslatable("dynamic index (`x[expr]`) is not translated");
    }
    case ".?":
    case "[?]":
      throw new Untranslatable("optional selection (`.?`, `[?]`) is not translated");
    case "list":
      return { text: `[${node.args.map((item) => emit(item).text).join(", ")}]`, precedence: ATOM };
    case "map":
      return {
        text: `{${node.args
          .map(([key, value]) => {
            if (key.op !== "value" || typeof key.args !== "string")
              throw new Untranslatable("map literals need string-literal keys");
            return `${JSON.stringify(key.args)}: ${emit(value).text}`;
          })
          .join(", ")}}`,
        precedence: ATOM,
      };
    case "?:": {
      const [condition, then, otherwise] = node.args;
      return {
        text: `if ${emit(condition).text} { ${emit(then).text} } else { ${emit(otherwise).text} }`,
        precedence: 0,
      };
    }
    case "!_":
      return { text: `!${operand(node.args, UNARY)}`, precedence: UNARY };
    case "-_":
      if (node.args.op === "value" && (typeof node.args.args === "bigint" || typeof node.args.args === "number")) {
        return { text: `-${literal(node.args.args)}`, precedence: UNARY };
      }
      // Bloblang has no unary minus on arbitrary queries.
      return { text: `0 - ${operand(node.args, BINARY_PRECEDENCE["-"]! + 1)}`, precedence: BINARY_PRECEDENCE["-"]! };
    case "in":
      return membership(node.args[0], node.args[1]);
    case "call":
      return call(node.args[0], node.args[1]);
    case "rcall":
      return receiverCall(node.args[0], node.args[1], node.args[2]);
    default:
      return binary(node);
  }
}

function binary(node: ASTNode): Emitted {
  const precedence = BINARY_PRECEDENCE[node.op];
  if (precedence === undefined) throw new Untranslatable(`operator \`${node.op}\` is not translated`);
  const [left, right] = node.args as [ASTNode, ASTNode];
  if (node.op === "/" && isIntLiteral(left) && isIntLiteral(right)) {
    throw new Untranslatable("integer division truncates in CEL but not in Bloblang");
  }
  // Comparisons do not chain; left-associative operators need parentheses only on the right.
  const leftMin = precedence === 3 ? precedence + 1 : precedence;
  return { text: `${operand(left, leftMin)} ${node.op} ${operand(right, precedence + 1)}`, precedence };
}

function membership(element: ASTNode, container: ASTNode): Emitted {
  const needle = emit(element).text;
  if (container.op === "list") return { text: `${emit(container).text}.contains(${needle})`, precedence: ATOM };
  if (container.op === "map") return { text: `${emit(container).text}.keys().contains(${needle})`, precedence: ATOM };
  // CEL's `in` tests a list's elements but a map's keys; Bloblang's contains() tests an object's values.
  const haystack = operand(container, ATOM);
  return {
    text: `if ${haystack}.type() == "object" { ${haystack}.keys().contains(${needle}) } else { ${haystack}.contains(${needle}) }`,
    precedence: 0,
  };
}

function call(name: string, args: ASTNode[]): Emitted {
  const [first, second] = args;
  if (name === "has" && first?.op === ".") {
    const [target, field] = first.args;
    // exists() takes a dot path, in which `~1` stands for a literal dot and `~0` for `~`.
    return {
      text: `${operand(target, ATOM)}.exists(${JSON.stringify(field.replaceAll("~", "~0").replaceAll(".", "~1"))})`,
      precedence: ATOM,
    };
  }
  if (name === "size" && first && args.length === 1)
    return { text: `${operand(first, ATOM)}.length()`, precedence: ATOM };
  if (name === "string" && first && args.length === 1)
    return { text: `${operand(first, ATOM)}.string()`, precedence: ATOM };
  if (name === "double" && first && args.length === 1)
    return { text: `${operand(first, ATOM)}.number()`, precedence: ATOM };
  if (name === "matches" && first && second)
    return { text: `${operand(first, ATOM)}.re_match(${emit(second).text})`, precedence: ATOM };
  if (name === "int")
    throw new Untranslatable("int() truncates toward zero in CEL; Bloblang's int64() rejects fractions");
  throw new Untranslatable(`function \`${name}()\` is not translated`);
}

function receiverCall(name: string, receiver: ASTNode, args: ASTNode[]): Emitted {
  if (COMPREHENSIONS.has(name)) throw new Untranslatable(`the \`${name}\` macro is not translated`);
  if (name === "size" && args.length === 0) return { text: `${operand(receiver, ATOM)}.length()`, precedence: ATOM };
  const method = METHODS[name];
  if (method && args.length === 1)
    return { text: `${operand(receiver, ATOM)}.${method}(${emit(args[0]!).text})`, precedence: ATOM };
  throw new Untranslatable(`method \`${name}()\` is not translated`);
}

/** Emits `node`, parenthesised when it binds looser than its position needs. */
function operand(node: ASTNode, minPrecedence: number): string {
  const emitted = emit(node);
  return emitted.precedence >= minPrecedence ? emitted.text : `(${emitted.text})`;
}

function isIntLiteral(node: ASTNode): boolean {
  return node.op === "value" && typeof node.args === "bigint";
}

function literal(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Untranslatable("non-finite number literal");
    const text = String(value);
    if (text.includes("e")) throw new Untranslatable("exponent number literals are not translated");
    // Keep a double a double: `2.0` stays a float in Bloblang, `2` would be an integer.
    return Number.isInteger(value) ? `${text}.0` : text;
  }
  if (value instanceof Uint8Array) throw new Untranslatable("bytes literals are not translated");
  throw new Untranslatable("unsigned integer literals are not translated");
}

/** A Bloblang path segment: bare when it is an identifier or an array index, quoted otherwise. */
function pathSegment(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^[0-9]+$/.test(name) ? name : JSON.stringify(name);
}

/** `props.amount` -> `this.props.amount` (or `root.…`): a Sluice field path as a Bloblang path. */
export function bloblangPath(root: "this" | "root", fieldPath: string): string {
  return [root, ...fieldPath.split(".").map(pathSegment)].join(".");
}
