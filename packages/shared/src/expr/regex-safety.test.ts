import { describe, expect, it } from "vitest";
import { checkRegexSafety } from "./regex-safety";

describe("checkRegexSafety", () => {
  it.each(["^[a-z]+$", "^(foo|bar)-\\d{1,4}$", "^[^@]+@[^@]+$", "(ab)?c*", "^\\(a+\\)+$", "[(a+)+]"])("accepts %s", (pattern) => {
    expect(checkRegexSafety(pattern)).toEqual({ ok: true });
  });

  it.each(["(a+)+$", "(a*)*b", "((ab)+)*", "(x+x+)+y", "(?:a|b+){2,}", "(\\w+\\s?){20}$", "(a)\\1"])("rejects %s", (pattern) => {
    expect(checkRegexSafety(pattern).ok).toBe(false);
  });

  it("rejects invalid and overly long patterns", () => {
    expect(checkRegexSafety("(unclosed").ok).toBe(false);
    expect(checkRegexSafety("a".repeat(300)).ok).toBe(false);
  });
});
