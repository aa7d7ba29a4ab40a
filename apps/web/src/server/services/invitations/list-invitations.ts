import "server-only";
import type { ServiceContext } from "../context";

/** The workspace's open invitations (not accepted, revoked or expired), newest first. */
export function listInvitations(ctx: Pick<ServiceContext, "prisma" | "workspace">) {
  return ctx.prisma.invitation.findMany({
    where: { workspaceId: ctx.workspace.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: {
      id: true,
      email: true,
      role: true,
      expiresAt: true,
      createdAt: true,
      invitedBy: { select: { name: true } },
    },
    orderBy: { createdAt: "desc" },
  });
}
