import type { EventRecord } from "../events/json-value";
import type { ExpressionKind } from "../expr/compile-expression";

/**
 * Expressions a hostile or careless user can write, for the tests that check none of them stalls a
 * process: the unit tests (compile + evaluate), preview (worker thread with a deadline) and a
 * deployed pipeline (runner). `outcome` is what compiling and evaluating on HOSTILE_EVENT gives:
 * - `compile`: refused before it runs (a problem on the node), with that error code;
 * - `budget`: fails for the event with `expression.budget` ("expression exceeded budget");
 * - `error`: fails for the event with another evaluation error (overflow, division by zero...);
 * - `ok`: evaluates (quickly: regexes run in linear time).
 */
export type HostileExpression = {
  name: string;
  kind: ExpressionKind;
  source: string;
  outcome: { compile: string } | "budget" | "error" | "ok";
};

const range = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(", ")}]`;
const L20 = range(20);
const nest = (depth: number, macro: string, body: string): string => {
  let source = body;
  for (let i = depth; i >= 1; i--) source = `${L20}.${macro}(v${i}, ${source})`;
  return source;
};
const bindChain = (
  levels: number,
  first: string,
  step: (name: string) => string,
  last: (name: string) => string,
): string => {
  let source = last(`b${levels}`);
  for (let i = levels; i >= 1; i--) source = `cel.bind(b${i}, ${i === 1 ? first : step(`b${i - 1}`)}, ${source})`;
  return source;
};
const tenOf = (name: string, join: string) => Array.from({ length: 10 }, () => name).join(join);

/** The event hostile expressions are evaluated on (29-character `type`, as in the report that started this). */
export const HOSTILE_EVENT: EventRecord = {
  id: "evt_hostile",
  type: `${"a".repeat(28)}!`,
  kind: "hostile",
  items: Array.from({ length: 20 }, (_, i) => i + 1),
  text: "x".repeat(20_000),
  digits: "9".repeat(20_000),
  emoji: "😀",
  lone: "\ud800",
  greek: "αβγ",
  pattern: "(a+)+$",
  deep: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } },
};

export const HOSTILE_EXPRESSIONS: HostileExpression[] = [
  // Regex shapes that backtrack exponentially in JavaScript; RE2 matches them in linear time.
  {
    name: "alternation star (the reported stall)",
    kind: "predicate",
    source: 'event.type.matches("^(a|a)*$")',
    outcome: "ok",
  },
  { name: "nested plus", kind: "predicate", source: 'event.type.matches("(a+)+$")', outcome: "ok" },
  { name: "nested star", kind: "predicate", source: 'event.type.matches("(a*)*b")', outcome: "ok" },
  { name: "nested group plus", kind: "predicate", source: 'event.type.matches("((ab)+)*c")', outcome: "ok" },
  { name: "overlapping plus", kind: "predicate", source: 'event.text.matches("(x+x+)+y")', outcome: "ok" },
  { name: "words and spaces", kind: "predicate", source: 'event.text.matches("(\\\\w+\\\\s?)*$")', outcome: "ok" },
  { name: "repeated dot star", kind: "predicate", source: 'event.text.matches("(.*x){20}y")', outcome: "ok" },
  {
    name: "email-like",
    kind: "predicate",
    source:
      'event.type.matches("^([a-zA-Z0-9])(([\\\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$")',
    outcome: "ok",
  },
  { name: "a|aa on 20k characters", kind: "predicate", source: 'event.text.matches("^(x|xx)+$")', outcome: "ok" },
  {
    name: "case-insensitive alternation",
    kind: "predicate",
    source: 'event.type.matches("(?i)(A|a)*B")',
    outcome: "ok",
  },
  {
    name: "optional prefix explosion",
    kind: "predicate",
    source: `event.type.matches("^${"a?".repeat(100)}${"a".repeat(100)}$")`,
    outcome: "ok",
  },
  { name: "unicode class", kind: "predicate", source: 'event.greek.matches("^\\\\p{Greek}+$")', outcome: "ok" },
  {
    name: "several patterns in one expression",
    kind: "predicate",
    source: 'event.type.matches("^(a|aa)*$") || event.text.matches("(x*)*y") || event.type.matches("(a|a?)+b")',
    outcome: "ok",
  },
  {
    name: "regex in a comprehension",
    kind: "predicate",
    source: `${L20}.exists(i, event.type.matches("(a*)*c"))`,
    outcome: "ok",
  },
  // Regexes RE2 cannot run, or that cannot be checked before deploy: refused at compile time.
  {
    name: "backreference",
    kind: "predicate",
    source: 'event.type.matches("(a)\\\\1")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "lookahead",
    kind: "predicate",
    source: 'event.type.matches("(?=a)a")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "lookbehind",
    kind: "predicate",
    source: 'event.type.matches("(?<=a)b")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "repeat over 1000",
    kind: "predicate",
    source: 'event.type.matches("a{1001}")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "nested repeats",
    kind: "predicate",
    source: 'event.type.matches("((a{100}){100}){100}")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "possessive quantifier",
    kind: "predicate",
    source: 'event.type.matches("a++")',
    outcome: { compile: "expression.regex" },
  },
  {
    name: "pattern over 1000 characters",
    kind: "predicate",
    source: `event.type.matches("${"a".repeat(1_001)}")`,
    outcome: { compile: "expression.regex" },
  },
  {
    name: "pattern from the event",
    kind: "predicate",
    source: "event.type.matches(event.pattern)",
    outcome: { compile: "expression.regex" },
  },
  {
    name: "unclosed group",
    kind: "predicate",
    source: 'event.type.matches("(abc")',
    outcome: { compile: "expression.regex" },
  },
  // Nested comprehensions: bounded statically (depth 3) and by the operation budget.
  { name: "three nested all()", kind: "predicate", source: nest(3, "all", "v1 + v2 + v3 > 0"), outcome: "budget" },
  {
    name: "three nested exists() that never match",
    kind: "predicate",
    source: nest(3, "exists", "v1 + v2 + v3 < 0"),
    outcome: "budget",
  },
  { name: "three nested map()", kind: "value", source: nest(3, "map", "v1 * v2 * v3"), outcome: "budget" },
  {
    name: "three nested filter()",
    kind: "value",
    source: `${L20}.filter(a, ${L20}.filter(b, ${L20}.filter(c, c > a + b).size() > 0).size() > 0)`,
    outcome: "budget",
  },
  {
    name: "three nested exists_one()",
    kind: "predicate",
    source: nest(3, "exists_one", "v1 == v2"),
    outcome: "budget",
  },
  {
    name: "nested over event lists",
    kind: "predicate",
    source: "event.items.all(a, event.items.all(b, event.items.all(c, a + b + c > 0)))",
    outcome: "budget",
  },
  {
    name: "four nested all()",
    kind: "predicate",
    source: nest(4, "all", "true"),
    outcome: { compile: "expression.too-complex" },
  },
  {
    name: "five nested all() (the reported stall)",
    kind: "predicate",
    source: nest(5, "all", "v1 + v2 + v3 + v4 + v5 > 0"),
    outcome: { compile: "expression.too-complex" },
  },
  {
    name: "nesting hidden in a map transform",
    kind: "value",
    source: `${L20}.map(a, ${L20}.map(b, ${L20}.map(c, ${L20}.filter(d, d > a))))`,
    outcome: { compile: "expression.too-complex" },
  },
  {
    name: "1000-element literal per iteration",
    kind: "predicate",
    source: `${range(300)}.all(x, ${range(300)}.size() > 0)`,
    outcome: "budget",
  },
  // Strings and lists that grow by concatenation, and values that share structure.
  {
    name: "string doubling through bind",
    kind: "value",
    source: bindChain(
      7,
      `"${"x".repeat(10)}"`,
      (p) => tenOf(p, " + "),
      (p) => `size(${p})`,
    ),
    outcome: "budget",
  },
  {
    name: "concatenating a 20k string 100 times",
    kind: "value",
    source: `size(${Array.from({ length: 100 }, () => "event.text").join(" + ")})`,
    outcome: "budget",
  },
  {
    name: "join of a comprehension of big strings",
    kind: "value",
    source: `size(${range(100)}.map(i, event.text).join(""))`,
    outcome: "budget",
  },
  { name: "split into 20k parts", kind: "value", source: 'size(event.text.split(""))', outcome: "budget" },
  {
    name: "list doubling through bind",
    kind: "value",
    source: bindChain(
      6,
      range(10),
      (p) => tenOf(p, " + "),
      (p) => `size(${p})`,
    ),
    outcome: "budget",
  },
  {
    name: "list of lists sharing structure",
    kind: "value",
    source: bindChain(
      6,
      range(10),
      (p) => `[${tenOf(p, ", ")}]`,
      (p) => p,
    ),
    outcome: "budget",
  },
  {
    name: "deep comparison of shared structure",
    kind: "predicate",
    source: bindChain(
      5,
      range(10),
      (p) => `[${tenOf(p, ", ")}]`,
      (p) => `${p} == ${p}.map(x, x)`,
    ),
    outcome: "budget",
  },
  {
    name: "membership in a 300-element list per step",
    kind: "predicate",
    source: `${range(300)}.exists(x, -x in ${range(300)})`,
    outcome: "budget",
  },
  {
    name: "map literal of shared lists",
    kind: "value",
    source: bindChain(
      6,
      range(10),
      (p) =>
        `{"a": ${p}, "b": ${p}, "c": ${p}, "d": ${p}, "e": ${p}, "f": ${p}, "g": ${p}, "h": ${p}, "i": ${p}, "j": ${p}}`,
      (p) => p,
    ),
    outcome: "budget",
  },
  // Deep recursion through macros, nesting and size limits of the parser.
  {
    name: "bind chain 20 deep",
    kind: "value",
    source: bindChain(
      20,
      "1",
      (p) => `${p} + 1`,
      (p) => p,
    ),
    outcome: "ok",
  },
  {
    name: "has() on a long path",
    kind: "predicate",
    source: `has(event.${Array.from({ length: 60 }, (_, i) => `f${i}`).join(".")})`,
    outcome: "error",
  },
  {
    name: "bind chain 40 deep",
    kind: "value",
    source: bindChain(
      40,
      "1",
      (p) => `${p} + 1`,
      (p) => p,
    ),
    outcome: { compile: "expression.syntax" },
  },
  {
    name: "ternaries 30 deep",
    kind: "value",
    source: `${Array.from({ length: 30 }, (_, i) => `event.items[0] == ${i} ? ${i} : `).join("")}-1`,
    outcome: "ok",
  },
  {
    name: "parentheses 100 deep",
    kind: "value",
    source: `${"(".repeat(100)}1${")".repeat(100)}`,
    outcome: { compile: "expression.syntax" },
  },
  {
    name: "list literal 100 deep",
    kind: "value",
    source: `${"[".repeat(100)}1${"]".repeat(100)}`,
    outcome: { compile: "expression.syntax" },
  },
  {
    name: "2,001 nodes",
    kind: "value",
    source: Array.from({ length: 1_001 }, () => "1").join("+"),
    outcome: { compile: "expression.syntax" },
  },
  {
    name: "comprehension over the whole event",
    kind: "value",
    source: "event.map(k, event.map(l, event.map(m, k + l + m)))",
    outcome: "ok",
  },
  // Integer overflow and numbers JSON cannot hold.
  { name: "int64 overflow on add", kind: "value", source: "9223372036854775807 + 1", outcome: "error" },
  { name: "int64 overflow on subtract", kind: "value", source: "-9223372036854775807 - 2", outcome: "error" },
  { name: "int64 overflow on multiply", kind: "value", source: "9223372036854775807 * 2", outcome: "error" },
  { name: "uint underflow", kind: "value", source: "0u - 1u", outcome: "error" },
  { name: "int() of a 20,000-digit string", kind: "value", source: "int(event.digits)", outcome: "error" },
  { name: "double overflow to infinity", kind: "value", source: "double(event.digits)", outcome: "error" },
  { name: "division by zero", kind: "value", source: "1 / 0", outcome: "error" },
  { name: "modulo by zero", kind: "value", source: "1 % 0", outcome: "error" },
  // Unicode.
  { name: "astral character is one character", kind: "predicate", source: 'event.emoji.matches("^.$")', outcome: "ok" },
  { name: "lone surrogate", kind: "value", source: 'event.lone + "x"', outcome: "ok" },
  { name: "NUL and RTL override literal", kind: "predicate", source: 'event.type != "\\u0000\\u202e"', outcome: "ok" },
  { name: "size of a string of emoji", kind: "value", source: `size("${"😀".repeat(500)}")`, outcome: "ok" },
  // Very long literals.
  {
    name: "3,900-character string literal",
    kind: "predicate",
    source: `event.type == "${"z".repeat(3_900)}"`,
    outcome: "ok",
  },
  {
    name: "expression over 4,000 characters",
    kind: "predicate",
    source: `event.type == "${"z".repeat(4_100)}"`,
    outcome: { compile: "expression.too-long" },
  },
];
