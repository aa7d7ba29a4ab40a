import "server-only";
import { InvalidInputError } from "../../errors";
import type { ServiceContext } from "../context";

/** The caller leaves the workspace (their tokens for it are revoked); the last owner may not. */
export async function leaveWorkspace(ctx: ServiceContext): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    if (ctx.role === "owner") {
      const owners = await tx.member.count({ where: { workspaceId: ctx.workspace.id, role: "owner" } });
      if (owners <= 1)
        throw new InvalidInputError("You are the last owner: transfer ownership or delete the workspace instead.");
    }
    await tx.member.deleteMany({ where: { workspaceId: ctx.workspace.id, userId: ctx.user.id } });
    await tx.personalAccessToken.updateMany({
      where: { workspaceId: ctx.workspace.id, userId: ctx.user.id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await ctx.audit({ action: "member.leave", resourceType: "member", summary: { role: ctx.role } }, tx);
  });
}
