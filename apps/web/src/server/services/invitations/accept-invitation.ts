import "server-only";
import { writeAudit } from "../../audit";
import { ForbiddenError, InvalidInputError } from "../../errors";
import type { UserServiceContext } from "../context";
import { findOpenInvitation } from "./open-invitation";

/** Makes the signed-in user (whose address the invitation names) a member; each invitation works once. */
export async function acceptInvitation(
  ctx: UserServiceContext & { user: { email: string } },
  input: { token: string },
): Promise<{ workspaceId: string }> {
  return ctx.prisma.$transaction(async (tx) => {
    const inv = await findOpenInvitation(tx, input.token);
    if (inv.email !== ctx.user.email.toLowerCase()) {
      throw new ForbiddenError(`This invitation is for ${inv.email}. Sign in with that address to accept it.`);
    }
    // Single use even under concurrent accepts: only one update can flip acceptedAt.
    const flipped = await tx.invitation.updateMany({
      where: { id: inv.id, acceptedAt: null },
      data: { acceptedAt: new Date() },
    });
    if (flipped.count !== 1) throw new InvalidInputError("This invitation was already used.");
    const already = await tx.member.findFirst({ where: { workspaceId: inv.workspaceId, userId: ctx.user.id } });
    if (!already)
      await tx.member.create({ data: { workspaceId: inv.workspaceId, userId: ctx.user.id, role: inv.role } });
    await writeAudit(tx, {
      workspaceId: inv.workspaceId,
      actor: { type: "user", id: ctx.user.id },
      action: "invitation.accept",
      resourceType: "invitation",
      resourceId: inv.id,
      outcome: "success",
      request: ctx.request,
      summary: { role: inv.role },
    });
    return { workspaceId: inv.workspaceId };
  });
}
