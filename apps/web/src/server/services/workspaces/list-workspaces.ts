import "server-only";
import { ROLE_SCOPES, type Role } from "@sluice/shared";
import type { UserServiceContext } from "../context";

/** Workspaces the caller belongs to, with their role and its scopes (the UI hides what it can't do). */
export async function listWorkspaces(ctx: Pick<UserServiceContext, "prisma" | "user">) {
  const rows = await ctx.prisma.member.findMany({
    where: { userId: ctx.user.id },
    select: { role: true, workspace: { select: { id: true, name: true, slug: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => ({ ...r.workspace, role: r.role as Role, scopes: [...ROLE_SCOPES[r.role as Role]] }));
}
