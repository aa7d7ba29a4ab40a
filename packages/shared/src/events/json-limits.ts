/** Deepest nesting of objects and arrays an ingested event may have (the event object itself is level 1). */
export const MAX_JSON_DEPTH = 64;

export type JsonProblem = { kind: "depth" | "unicode"; path: string };

// With the `u` flag a well-formed surrogate pair is one code point, so this only matches halves of
// a pair that stand alone: text no UTF-8 encoder (Postgres, most clients) can represent.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

type Visit = { value: unknown; depth: number; parent: Visit | undefined; key: string };

/**
 * The first value of a parsed JSON document that Sluice refuses to carry: nesting deeper than
 * `maxDepth`, or a string or key with a lone surrogate. Walks with an explicit stack, so a document
 * nested thousands of levels deep costs a loop, not a stack overflow (zod's schemas recurse).
 */
export function findJsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: Visit[] = [{ value: root, depth: 1, parent: undefined, key: "" }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const { value, depth } = visit;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) return { kind: "unicode", path: pathOf(visit) };
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > maxDepth) return { kind: "depth", path: pathOf(visit) };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: visit, key: String(i) });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Visit = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key };
      if (LONE_SURROGATE.test(key)) return { kind: "unicode", path: pathOf(child) };
      stack.push(child);
    }
  }
  return undefined;
}

/** A problem as the message ingest answers with. */
export function describeJsonProblem(problem: JsonProblem, maxDepth = MAX_JSON_DEPTH): string {
  const at = problem.path === "" ? "" : ` at ${problem.path}`;
  return problem.kind === "depth"
    ? `JSON nested deeper than ${maxDepth} levels${at}`
    : `invalid Unicode${at}: a lone surrogate (\\ud800-\\udfff without its pair) cannot be stored as UTF-8`;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) keys.push(v.key);
  return keys.reverse().join(".");
}
