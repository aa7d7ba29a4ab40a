import "server-only";
import { randomBytes } from "node:crypto";
import { hashToken } from "@sluice/db";
import { assignableRoles, type Role } from "@sluice/shared";
import { env } from "../../env";
import { ConflictError, ForbiddenError } from "../../errors";
import type { ServiceContext } from "../context";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

/** Invites an address with a role the caller may grant; the link (with its token) is returned once and never stored. */
export async function createInvitation(ctx: ServiceContext, input: { email: string; role: Role }) {
  if (!assignableRoles(ctx.role).includes(input.role)) {
    throw new ForbiddenError(`A ${ctx.role} cannot invite a ${input.role}.`);
  }
  const existing = await ctx.prisma.member.findFirst({
    where: { workspaceId: ctx.workspace.id, user: { email: input.email } },
  });
  if (existing) throw new ConflictError(`${input.email} is already a member.`);
  const token = randomBytes(32).toString("base64url");
  const inv = await ctx.prisma.$transaction(async (tx) => {
    // One live invitation per address: a new one replaces (revokes) the earlier links.
    await tx.invitation.updateMany({
      where: { workspaceId: ctx.workspace.id, email: input.email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const created = await tx.invitation.create({
      data: {
        workspaceId: ctx.workspace.id,
        email: input.email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedById: ctx.user.id,
        expiresAt: new Date(Date.now() + INVITE_TTL_MS),
      },
    });
    await ctx.audit(
      {
        action: "invitation.create",
        resourceType: "invitation",
        resourceId: created.id,
        summary: { email: input.email, role: input.role },
      },
      tx,
    );
    return created;
  });
  return { id: inv.id, expiresAt: inv.expiresAt, link: `${env().APP_URL}/invite/${token}` };
}
