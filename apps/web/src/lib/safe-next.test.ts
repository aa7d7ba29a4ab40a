import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it("keeps same-site paths with their query and hash", () => {
    expect(safeNextPath("/w/abc/pipelines/p1?tab=versions#v3")).toBe("/w/abc/pipelines/p1?tab=versions#v3");
    expect(safeNextPath("/invite/tok_123")).toBe("/invite/tok_123");
    expect(safeNextPath("/%2F%2Fother.site")).toBe("/%2F%2Fother.site");
  });

  it.each([
    "//other.site",
    "//other.site/path",
    "///other.site",
    "/\\other.site",
    "/\\/other.site",
    "\\\\other.site",
    "/\t/other.site",
    "/\n/other.site",
    "https://other.site",
    "http:other.site",
    "javascript:alert(1)",
    "%2F%2Fother.site",
    "other.site",
    "",
  ])("refuses %j", (raw) => {
    expect(safeNextPath(raw)).toBe("/");
  });

  it("uses the fallback for a missing value", () => {
    expect(safeNextPath(null, "/onboarding")).toBe("/onboarding");
  });
});
