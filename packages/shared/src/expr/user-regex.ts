import { RE2JS } from "re2js";

/**
 * User-supplied regular expressions (CEL `matches()`, JSON Schema `pattern`) run on RE2JS, a
 * JavaScript port of RE2: matching takes time linear in the input whatever the pattern, so no
 * pattern can backtrack catastrophically (JavaScript's own RegExp backtracks and cannot be
 * interrupted). The syntax is RE2's, which is also what the CEL spec prescribes for `matches()`:
 * no backreferences and no lookaround; `\d \w \s \b`, `[[:alpha:]]`, `\p{Greek}`, `(?i)` flags,
 * named groups and repeats up to `{1000}` are supported.
 */
export const MAX_PATTERN_LENGTH = 1_000;

export type UserRegex = {
  /** True when the pattern matches anywhere in `input` (unanchored, like `RegExp.test`). */
  test(input: string): boolean;
};

export type UserRegexResult = { ok: true; regex: UserRegex } | { ok: false; reason: string };

/** Compiles once; a pattern RE2 cannot run is a reason for the user, never an exception. */
export function compileUserRegex(pattern: string): UserRegexResult {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, reason: `Pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const detail = (error as Error).message.replace(/^error parsing regexp: /, "");
    return {
      ok: false,
      reason: `Unsupported regular expression (RE2 syntax: no backreferences or lookaround): ${detail}`,
    };
  }
  return { ok: true, regex: { test: (input) => compiled.test(input) } };
}
