import "server-only";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

/** Revokes an open invitation of the workspace; NotFoundError when there is none. */
export async function revokeInvitation(ctx: ServiceContext, input: { invitationId: string }): Promise<void> {
  const res = await ctx.prisma.invitation.updateMany({
    where: { id: input.invitationId, workspaceId: ctx.workspace.id, revokedAt: null, acceptedAt: null },
    data: { revokedAt: new Date() },
  });
  if (res.count === 0) throw new NotFoundError("Invitation not found.");
  await ctx.audit({ action: "invitation.revoke", resourceType: "invitation", resourceId: input.invitationId });
}
