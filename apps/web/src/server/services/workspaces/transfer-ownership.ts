import "server-only";
import { InvalidInputError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

/** Makes another member the owner; the current owner becomes an admin. */
export async function transferOwnership(ctx: ServiceContext, input: { memberId: string }): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    const target = await tx.member.findFirst({ where: { id: input.memberId, workspaceId: ctx.workspace.id } });
    if (!target) throw new NotFoundError("Member not found.");
    if (target.userId === ctx.user.id) throw new InvalidInputError("You already own this workspace.");
    await tx.member.update({ where: { id: target.id }, data: { role: "owner" } });
    await tx.member.updateMany({
      where: { workspaceId: ctx.workspace.id, userId: ctx.user.id },
      data: { role: "admin" },
    });
    await ctx.audit(
      {
        action: "workspace.transferOwnership",
        resourceType: "workspace",
        resourceId: ctx.workspace.id,
        summary: { to: target.userId, previousRole: target.role },
      },
      tx,
    );
  });
}
