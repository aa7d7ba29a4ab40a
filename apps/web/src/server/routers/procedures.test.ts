import { describe, expect, it } from "vitest";
import { Scope } from "@sluice/shared";
import { listProcedures } from "./procedures";

/** Procedures anyone may call without signing in. Adding one here is a security review. */
const PUBLIC_ALLOWLIST: string[] = [];
/** Procedures for the signed-in user's own data, not tied to one workspace. */
const USER_ALLOWLIST = [
  "me",
  "workspace.list",
  "workspace.create",
  "invitation.preview",
  "invitation.accept",
  "personalToken.list",
  "personalToken.revoke",
];

describe("every tRPC procedure declares its access", () => {
  const procedures = listProcedures();

  it("finds the router's procedures", () => {
    expect(procedures.length).toBeGreaterThan(3);
  });

  it.each(procedures.map((p) => [p.path, p] as const))(
    "%s is public-by-allowlist, user-level by allowlist, or scope-checked",
    (path, p) => {
      expect(p.meta, `${path} has no access meta`).toBeDefined();
      if (p.meta!.access === "public") expect(PUBLIC_ALLOWLIST).toContain(path);
      else if (p.meta!.access === "user") expect(USER_ALLOWLIST).toContain(path);
      else expect(Scope.options).toContain(p.meta!.scope);
    },
  );
});
