import "server-only";
import type { Role } from "@sluice/shared";
import type { ServiceContext } from "../context";

/** The workspace's members in joining order, the caller marked. */
export async function listMembers(ctx: Pick<ServiceContext, "prisma" | "workspace" | "user">) {
  const rows = await ctx.prisma.member.findMany({
    where: { workspaceId: ctx.workspace.id },
    select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((m) => ({
    id: m.id,
    role: m.role as Role,
    joinedAt: m.createdAt,
    user: m.user,
    isYou: m.user.id === ctx.user.id,
  }));
}
