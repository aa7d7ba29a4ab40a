import "server-only";
import type { Role } from "@sluice/shared";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { assertMayManage } from "./member-guards";

/** Removes another member the caller may manage, with their personal tokens for this workspace. */
export async function removeMember(ctx: ServiceContext, input: { memberId: string }): Promise<void> {
  const target = await ctx.prisma.member.findFirst({
    where: { id: input.memberId, workspaceId: ctx.workspace.id },
  });
  if (!target) throw new NotFoundError("Member not found.");
  assertMayManage(ctx.role, ctx.user.id, { role: target.role as Role, userId: target.userId });
  await ctx.prisma.$transaction(async (tx) => {
    await tx.member.delete({ where: { id: target.id } });
    // Their personal tokens for this workspace stop working with the membership.
    await tx.personalAccessToken.updateMany({
      where: { workspaceId: ctx.workspace.id, userId: target.userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await ctx.audit(
      {
        action: "member.remove",
        resourceType: "member",
        resourceId: target.id,
        summary: { userId: target.userId, role: target.role },
      },
      tx,
    );
  });
}
