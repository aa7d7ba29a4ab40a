/**
 * Screens user-supplied regular expressions (CEL `matches()`, JSON Schema `pattern`) before they run.
 * JavaScript regexes backtrack and cannot be interrupted, so one catastrophic pattern such as
 * `(a+)+$` can stall a worker on a single event. This is a conservative heuristic, not a proof:
 * it rejects backreferences and nested unbounded quantifiers (star height > 1), which cover the
 * classic ReDoS shapes, and caps the pattern length.
 */
export const MAX_PATTERN_LENGTH = 256;

export type RegexCheck = { ok: true } | { ok: false; reason: string };

type Group = { unbounded: boolean };

export function checkRegexSafety(pattern: string): RegexCheck {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, reason: `Pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    return { ok: false, reason: `Invalid regular expression: ${(error as Error).message}` };
  }
  if (/\\[1-9]|\\k</.test(pattern)) {
    return { ok: false, reason: "Backreferences are not allowed (they can make matching exponential)" };
  }

  const stack: Group[] = [{ unbounded: false }];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    let atomUnbounded = false;
    let atomEnd = i + 1;
    if (char === "\\") {
      atomEnd = i + 2;
    } else if (char === "[") {
      atomEnd = skipClass(pattern, i);
    } else if (char === "(") {
      stack.push({ unbounded: false });
      i += pattern.startsWith("(?", i) ? groupPrefixLength(pattern, i) : 1;
      continue;
    } else if (char === ")") {
      const group = stack.pop();
      if (!group || stack.length === 0) return { ok: true }; // unbalanced: RegExp() above would have thrown
      atomUnbounded = group.unbounded;
    }
    const quantifier = readQuantifier(pattern, atomEnd);
    if (quantifier.unbounded && atomUnbounded) {
      return { ok: false, reason: "Nested unbounded quantifiers such as (a+)+ are not allowed" };
    }
    const top = stack[stack.length - 1]!;
    top.unbounded ||= atomUnbounded || quantifier.unbounded;
    i = atomEnd + quantifier.length;
  }
  return { ok: true };
}

function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
  return i + 1;
}

function groupPrefixLength(pattern: string, start: number): number {
  const match = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z_]\w*>)/.exec(pattern.slice(start));
  return match ? match[0].length : 2;
}

function readQuantifier(pattern: string, at: number): { length: number; unbounded: boolean } {
  const char = pattern[at];
  if (char === "*" || char === "+") return { length: pattern[at + 1] === "?" ? 2 : 1, unbounded: true };
  if (char === "?") return { length: pattern[at + 1] === "?" ? 2 : 1, unbounded: false };
  if (char === "{") {
    const match = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(at));
    if (match) {
      const upper = match[2] === undefined ? Number(match[1]) : match[3] === "" ? Infinity : Number(match[3]);
      // Large finite bounds backtrack like unbounded ones.
      return { length: match[0].length, unbounded: upper > 10 };
    }
  }
  return { length: 0, unbounded: false };
}
