// Real-database fixtures for server tests: users, workspaces and callers that act as them.
import { randomBytes } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@sluice/db";
import type { Role } from "@sluice/shared";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory } from "@/server/trpc/init";

export const prisma: PrismaClient = createPrismaClient(
  process.env.DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/sluice_test",
);

const createCaller = createCallerFactory(appRouter);
const uid = () => randomBytes(5).toString("hex");

export type TestUser = { id: string; email: string; name: string };

export async function createUser(tag = "user"): Promise<TestUser> {
  const email = `${tag}-${uid()}@test.sluice.dev`;
  const u = await prisma.user.create({ data: { email, name: tag, emailVerified: true } });
  return { id: u.id, email: u.email, name: u.name };
}

export async function createWorkspace(owner: TestUser, name = `ws-${uid()}`) {
  const ws = await prisma.workspace.create({ data: { name, slug: `${name}-${uid()}` } });
  await prisma.member.create({ data: { workspaceId: ws.id, userId: owner.id, role: "owner" } });
  return ws;
}

export async function addMember(workspaceId: string, user: TestUser, role: Role) {
  return prisma.member.create({ data: { workspaceId, userId: user.id, role } });
}

/** `signal`: aborting it ends the caller's subscriptions (as a browser closing the stream does). */
export function callerFor(user: TestUser | null, signal?: AbortSignal) {
  return createCaller(
    {
      headers: new Headers(),
      prisma,
      user,
      sessionId: user ? `test-session-${user.id}` : null,
      token: null,
      request: { ip: "127.0.0.1", userAgent: "vitest", origin: null },
    },
    signal ? { signal } : {},
  );
}

/** A workspace with one member of each role, plus another team's workspace. */
export async function teamFixture() {
  const owner = await createUser("owner");
  const admin = await createUser("admin");
  const editor = await createUser("editor");
  const viewer = await createUser("viewer");
  const ws = await createWorkspace(owner);
  await addMember(ws.id, admin, "admin");
  await addMember(ws.id, editor, "editor");
  await addMember(ws.id, viewer, "viewer");
  const stranger = await createUser("stranger");
  const other = await createWorkspace(stranger);
  return { ws, other, stranger, users: { owner, admin, editor, viewer } as Record<Role, TestUser> };
}
