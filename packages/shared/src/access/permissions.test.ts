import { describe, expect, it } from "vitest";
import { ROLE_SCOPES, ROLES, Scope, assignableRoles, roleHasScope } from "./permissions";

describe("role scopes", () => {
  it("is monotonic: each role has every scope of the role below it", () => {
    for (let i = 1; i < ROLES.length; i++) {
      const lower = ROLE_SCOPES[ROLES[i - 1]!];
      const higher = ROLE_SCOPES[ROLES[i]!];
      for (const s of lower) expect(higher.has(s), `${ROLES[i]} lacks ${s}`).toBe(true);
    }
  });

  it("gives every scope to the owner", () => {
    for (const s of Scope.options) expect(roleHasScope("owner", s)).toBe(true);
  });

  it("keeps raw event data and deploys away from editors and viewers", () => {
    for (const role of ["viewer", "editor"] as const) {
      expect(roleHasScope(role, "tap:read-raw")).toBe(false);
      expect(roleHasScope(role, "dlq:read-raw")).toBe(false);
      expect(roleHasScope(role, "deployment:create")).toBe(false);
    }
    expect(roleHasScope("viewer", "pipeline:update")).toBe(false);
    expect(roleHasScope("editor", "pipeline:update")).toBe(true);
  });

  it("never lets an admin assign the owner role", () => {
    expect(assignableRoles("admin")).not.toContain("owner");
    expect(assignableRoles("editor")).toEqual([]);
  });
});
