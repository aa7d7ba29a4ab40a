import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLES, roleHasScope, type Role } from "@sluice/shared";
import { listProcedures } from "@/server/routers/procedures";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

/** Calls `path` (e.g. "member.list") on a caller with `input`; returns the error code or "OK". */
async function outcome(
  caller: ReturnType<typeof callerFor>,
  path: string,
  input: unknown,
): Promise<{ code: string; message: string }> {
  let fn: unknown = caller;
  for (const seg of path.split(".")) fn = (fn as Record<string, unknown>)[seg];
  try {
    await (fn as (i: unknown) => Promise<unknown>)(input);
    return { code: "OK", message: "" };
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, message: e.message };
    throw e;
  }
}

const WORKSPACE_NOT_FOUND = "Workspace not found.";
const scoped = listProcedures().filter((p) => p.meta?.access === "scope" && p.type !== "subscription");

// Generated from the scope map: every scoped procedure x every role x own / other workspace.
// Inputs carry only the workspace id, so an allowed call fails later (BAD_REQUEST, NOT_FOUND of a
// resource) without side effects, while a denied one must fail at the scope check.
describe.each(scoped.map((p) => [p.path, p] as const))("%s", (path, p) => {
  const scope = p.meta!.access === "scope" ? p.meta!.scope : null;

  it.each(ROLES.map((r) => [r] as const))(
    "as %s in its own workspace: allowed iff the role has the scope",
    async (role: Role) => {
      const r = await outcome(callerFor(f.users[role]), path, { workspaceId: f.ws.id });
      if (roleHasScope(role, scope!)) {
        expect(r.code, `${role} should pass the scope check of ${path}: ${r.message}`).not.toBe("FORBIDDEN");
        expect(r.message).not.toBe(WORKSPACE_NOT_FOUND);
        expect(r.code).not.toBe("UNAUTHORIZED");
      } else {
        expect(r.code, `${role} must be denied ${path}`).toBe("FORBIDDEN");
      }
    },
  );

  it.each(ROLES.map((r) => [r] as const))("as %s of another workspace: not found", async (role: Role) => {
    const r = await outcome(callerFor(f.users[role]), path, { workspaceId: f.other.id });
    expect(r).toEqual({ code: "NOT_FOUND", message: WORKSPACE_NOT_FOUND });
  });

  it("signed out: unauthorized", async () => {
    const r = await outcome(callerFor(null), path, { workspaceId: f.ws.id });
    expect(r.code).toBe("UNAUTHORIZED");
  });
});

describe("user-level procedures", () => {
  it.each(
    listProcedures()
      .filter((p) => p.meta?.access === "user")
      .map((p) => [p.path] as const),
  )("%s refuses a signed-out caller", async (path) => {
    const r = await outcome(callerFor(null), path, {});
    expect(r.code).toBe("UNAUTHORIZED");
  });
});

describe("denials are audited", () => {
  it("records a failed authorization attempt", async () => {
    const before = await prisma.auditLog.count({
      where: { workspaceId: f.ws.id, outcome: "denied", actorId: f.users.viewer.id },
    });
    await outcome(callerFor(f.users.viewer), "apiKey.create", { workspaceId: f.ws.id, name: "nope" });
    const after = await prisma.auditLog.count({
      where: { workspaceId: f.ws.id, outcome: "denied", actorId: f.users.viewer.id },
    });
    expect(after).toBe(before + 1);
  });
});
