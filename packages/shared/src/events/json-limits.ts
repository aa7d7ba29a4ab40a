/** Deepest nesting of objects and arrays an ingested event may have (the event object itself is level 1). */
export const MAX_JSON_DEPTH = 64;

export type JsonProblem = { kind: "depth" | "unicode"; path: string };

// With the `u` flag a well-formed surrogate pair is one code point, so this only matches halves of
// a pair that stand alone: text no UTF-8 encoder (Postgres, most clients) can represent.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
type MaybeWellFormed = { isWellFormed?: () => boolean };
// ES2024's native check where the runtime has it (Node 20, current browsers): measured ~2x cheaper than the regex.
const hasLoneSurrogate: (text: string) => boolean =
  typeof (String.prototype as MaybeWellFormed).isWellFormed === "function"
    ? (text) => !(text as unknown as Required<MaybeWellFormed>).isWellFormed()
    : (text) => LONE_SURROGATE.test(text);

/**
 * The first value of a parsed JSON document that Sluice refuses to carry: nesting deeper than
 * `maxDepth`, or a string or key with a lone surrogate. It stops descending at `maxDepth`, so a
 * document nested thousands of levels deep costs at most `maxDepth` frames (zod's schemas recurse
 * without a limit: run this before them).
 */
export function findJsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  return walk(root, 1, maxDepth);
}

function walk(value: unknown, depth: number, maxDepth: number): JsonProblem | undefined {
  if (typeof value === "string") return hasLoneSurrogate(value) ? { kind: "unicode", path: "" } : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  if (depth > maxDepth) return { kind: "depth", path: "" };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], depth + 1, maxDepth);
      if (problem) return under(String(i), problem);
    }
    return undefined;
  }
  // Parsed JSON: own enumerable keys only (for-in is the fastest way to visit them).
  for (const key in value) {
    if (hasLoneSurrogate(key)) return { kind: "unicode", path: key };
    const problem = walk((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (problem) return under(key, problem);
  }
  return undefined;
}

function under(key: string, problem: JsonProblem): JsonProblem {
  return { kind: problem.kind, path: problem.path === "" ? key : `${key}.${problem.path}` };
}

/** A problem as the message ingest answers with. */
export function describeJsonProblem(problem: JsonProblem, maxDepth = MAX_JSON_DEPTH): string {
  const at = problem.path === "" ? "" : ` at ${problem.path}`;
  return problem.kind === "depth"
    ? `JSON nested deeper than ${maxDepth} levels${at}`
    : `invalid Unicode${at}: a lone surrogate (\\ud800-\\udfff without its pair) cannot be stored as UTF-8`;
}
