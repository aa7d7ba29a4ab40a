import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "@sluice/db";
import { addMember, callerFor, createUser, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}

describe("invitations", () => {
  it("invites by link, single use, for the invited address only", async () => {
    const admin = callerFor(f.users.admin);
    const invitee = await createUser("invitee");
    const { link } = await admin.invitation.create({
      workspaceId: f.ws.id,
      email: invitee.email.toUpperCase(),
      role: "viewer",
    });
    const token = link.split("/invite/")[1]!;
    // The token is not stored, only its hash.
    const stored = await prisma.invitation.findFirstOrThrow({ where: { workspaceId: f.ws.id, email: invitee.email } });
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const someoneElse = await createUser("someone");
    expect(await codeOf(callerFor(someoneElse).invitation.accept({ token }))).toBe("FORBIDDEN");

    const preview = await callerFor(invitee).invitation.preview({ token });
    expect(preview).toMatchObject({ role: "viewer", matchesYou: true });
    const accepted = await callerFor(invitee).invitation.accept({ token });
    expect(accepted.workspaceId).toBe(f.ws.id);
    const ws = await callerFor(invitee).workspace.get({ workspaceId: f.ws.id });
    expect(ws.role).toBe("viewer");
    expect(await codeOf(callerFor(invitee).invitation.accept({ token }))).toBe("BAD_REQUEST");
  });

  it("refuses expired invitations and never lets an admin invite an owner", async () => {
    const admin = callerFor(f.users.admin);
    expect(await codeOf(admin.invitation.create({ workspaceId: f.ws.id, email: "x@y.dev", role: "owner" }))).toBe(
      "FORBIDDEN",
    );
    const invitee = await createUser("late");
    const { link } = await admin.invitation.create({ workspaceId: f.ws.id, email: invitee.email, role: "editor" });
    const token = link.split("/invite/")[1]!;
    await prisma.invitation.updateMany({
      where: { tokenHash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await codeOf(callerFor(invitee).invitation.accept({ token }))).toBe("BAD_REQUEST");
  });
});

describe("roles take effect on the next request", () => {
  it("a demoted editor loses pipeline edit rights at once; a removed member loses everything", async () => {
    const u = await createUser("changing");
    const m = await addMember(f.ws.id, u, "admin");
    const c = callerFor(u);
    expect(await codeOf(c.apiKey.list({ workspaceId: f.ws.id }))).toBe("OK");
    await callerFor(f.users.owner).member.updateRole({ workspaceId: f.ws.id, memberId: m.id, role: "viewer" });
    expect(await codeOf(c.apiKey.list({ workspaceId: f.ws.id }))).toBe("FORBIDDEN");
    await callerFor(f.users.owner).member.remove({ workspaceId: f.ws.id, memberId: m.id });
    expect(await codeOf(c.workspace.get({ workspaceId: f.ws.id }))).toBe("NOT_FOUND");
  });

  it("admins cannot touch owners, nobody changes their own role, the last owner stays", async () => {
    const ownerMember = await prisma.member.findFirstOrThrow({
      where: { workspaceId: f.ws.id, userId: f.users.owner.id },
    });
    expect(
      await codeOf(
        callerFor(f.users.admin).member.updateRole({ workspaceId: f.ws.id, memberId: ownerMember.id, role: "viewer" }),
      ),
    ).toBe("FORBIDDEN");
    expect(
      await codeOf(
        callerFor(f.users.owner).member.updateRole({ workspaceId: f.ws.id, memberId: ownerMember.id, role: "viewer" }),
      ),
    ).toBe("BAD_REQUEST");
    const adminMember = await prisma.member.findFirstOrThrow({
      where: { workspaceId: f.ws.id, userId: f.users.admin.id },
    });
    expect(
      await codeOf(
        callerFor(f.users.admin).member.updateRole({ workspaceId: f.ws.id, memberId: adminMember.id, role: "editor" }),
      ),
    ).toBe("BAD_REQUEST");
    const editorMember = await prisma.member.findFirstOrThrow({
      where: { workspaceId: f.ws.id, userId: f.users.editor.id },
    });
    expect(
      await codeOf(
        callerFor(f.users.admin).member.updateRole({ workspaceId: f.ws.id, memberId: editorMember.id, role: "owner" }),
      ),
    ).toBe("FORBIDDEN");
  });
});

describe("API keys", () => {
  it("are shown once, stored hashed, and revocable", async () => {
    const admin = callerFor(f.users.admin);
    const key = await admin.apiKey.create({ workspaceId: f.ws.id, name: "ingest" });
    expect(key.token).toMatch(/^slk_/);
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.hash).toBe(hashToken(key.token));
    const listed = await admin.apiKey.list({ workspaceId: f.ws.id });
    expect(JSON.stringify(listed)).not.toContain(key.token);
    await admin.apiKey.revoke({ workspaceId: f.ws.id, apiKeyId: key.id });
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).not.toBeNull();
  });
});

describe("secrets", () => {
  it("are encrypted at rest and never returned in plaintext", async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}-postgres://u:p@h/db`;
    const admin = callerFor(f.users.admin);
    const created = await admin.secret.create({ workspaceId: f.ws.id, name: "warehouse-url", value: canary });
    expect(JSON.stringify(created)).not.toContain(canary);
    expect(JSON.stringify(await admin.secret.list({ workspaceId: f.ws.id }))).not.toContain("canary-");
    const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT * FROM secret WHERE workspace_id = $1`,
      f.ws.id,
    );
    expect(JSON.stringify(rows)).not.toContain(canary);
    const audit = await prisma.auditLog.findMany({ where: { workspaceId: f.ws.id } });
    expect(JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(canary);
    // Editors can't read secret metadata; viewers neither.
    expect(await codeOf(callerFor(f.users.editor).secret.list({ workspaceId: f.ws.id }))).toBe("FORBIDDEN");
  });
});

describe("personal access tokens", () => {
  it("are created per workspace, listed without the token, and revoked by their owner only", async () => {
    const editor = callerFor(f.users.editor);
    const t = await editor.personalToken.create({ workspaceId: f.ws.id, name: "ci", expiresInDays: 30 });
    expect(t.token).toMatch(/^slp_/);
    const list = await editor.personalToken.list();
    expect(list.some((x) => x.id === t.id)).toBe(true);
    expect(JSON.stringify(list)).not.toContain(t.token);
    expect(await codeOf(callerFor(f.users.admin).personalToken.revoke({ tokenId: t.id }))).toBe("NOT_FOUND");
    await editor.personalToken.revoke({ tokenId: t.id });
  });
});

describe("IDOR: another team's ids are not found", () => {
  it("keys, secrets, invitations and members of another workspace cannot be reached through ours", async () => {
    const strangerCaller = callerFor(f.stranger);
    const key = await strangerCaller.apiKey.create({ workspaceId: f.other.id, name: "theirs" });
    const secret = await strangerCaller.secret.create({
      workspaceId: f.other.id,
      name: "theirs",
      value: "their-secret-value-123",
    });
    const inv = await strangerCaller.invitation.create({ workspaceId: f.other.id, email: "z@z.dev", role: "viewer" });
    const theirMember = await prisma.member.findFirstOrThrow({ where: { workspaceId: f.other.id } });
    const owner = callerFor(f.users.owner);
    expect(await codeOf(owner.apiKey.revoke({ workspaceId: f.ws.id, apiKeyId: key.id }))).toBe("NOT_FOUND");
    expect(
      await codeOf(owner.secret.update({ workspaceId: f.ws.id, secretId: secret.id, value: "overwritten-value" })),
    ).toBe("NOT_FOUND");
    expect(await codeOf(owner.secret.delete({ workspaceId: f.ws.id, secretId: secret.id }))).toBe("NOT_FOUND");
    expect(await codeOf(owner.invitation.revoke({ workspaceId: f.ws.id, invitationId: inv.id }))).toBe("NOT_FOUND");
    expect(await codeOf(owner.member.remove({ workspaceId: f.ws.id, memberId: theirMember.id }))).toBe("NOT_FOUND");
    expect(
      await codeOf(owner.member.updateRole({ workspaceId: f.ws.id, memberId: theirMember.id, role: "viewer" })),
    ).toBe("NOT_FOUND");
    // And nothing changed on their side.
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();
    expect(await prisma.secret.count({ where: { id: secret.id } })).toBe(1);
  });
});

describe("audit log", () => {
  it("lists this workspace's mutations for admins, newest first, with filters", async () => {
    const page = await callerFor(f.users.admin).audit.list({ workspaceId: f.ws.id, action: "apiKey", limit: 10 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.workspaceId === f.ws.id && i.action.includes("apiKey"))).toBe(true);
    expect(await codeOf(callerFor(f.users.editor).audit.list({ workspaceId: f.ws.id }))).toBe("FORBIDDEN");
  });
});

describe("leaving and concurrency", () => {
  it("a member can leave; the last owner cannot", async () => {
    const u = await createUser("leaver");
    await addMember(f.ws.id, u, "editor");
    await callerFor(u).member.leave({ workspaceId: f.ws.id, confirm: true });
    expect(await codeOf(callerFor(u).workspace.get({ workspaceId: f.ws.id }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(f.users.owner).member.leave({ workspaceId: f.ws.id, confirm: true }))).toBe(
      "BAD_REQUEST",
    );
  });

  it("two concurrent creates of the same secret name: one wins, the other is a conflict", async () => {
    const admin = callerFor(f.users.admin);
    const results = await Promise.all(
      [0, 1].map(() =>
        codeOf(admin.secret.create({ workspaceId: f.ws.id, name: "race", value: "value-long-enough-1" })),
      ),
    );
    expect(results.sort()).toEqual(["CONFLICT", "OK"]);
  });

  it("a new invitation to the same address revokes the earlier link", async () => {
    const admin = callerFor(f.users.admin);
    const first = await admin.invitation.create({ workspaceId: f.ws.id, email: "again@x.dev", role: "viewer" });
    await admin.invitation.create({ workspaceId: f.ws.id, email: "again@x.dev", role: "editor" });
    const open = await admin.invitation.list({ workspaceId: f.ws.id });
    expect(open.filter((i) => i.email === "again@x.dev").map((i) => i.role)).toEqual(["editor"]);
    const token = first.link.split("/invite/")[1]!;
    expect(
      (await prisma.invitation.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } })).revokedAt,
    ).not.toBeNull();
  });
});
