import "server-only";
import { z } from "zod";
import { hashToken } from "@sluice/db";
import { Role, assignableRoles, type Role as RoleT } from "@sluice/shared";
import { randomBytes } from "node:crypto";
import { env } from "../env";
import { writeAudit } from "../audit";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../errors";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const Token = z.object({ token: z.string().min(20).max(128) });

/** Finds a usable invitation by its secret token (stored hashed, like every credential). */
async function findOpenInvitation(prisma: Parameters<typeof writeAudit>[0], token: string) {
  const inv = await prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { workspace: { select: { id: true, name: true } }, invitedBy: { select: { name: true, email: true } } },
  });
  if (!inv || inv.revokedAt) throw new NotFoundError("This invitation does not exist or was revoked.");
  if (inv.acceptedAt) throw new InvalidInputError("This invitation was already used.");
  if (inv.expiresAt < new Date()) throw new InvalidInputError("This invitation has expired. Ask for a new one.");
  return inv;
}

export const invitationRouter = router({
  list: scopedProcedure("member:manage").query(({ ctx }) =>
    ctx.prisma.invitation.findMany({
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
    }),
  ),

  /** Creates an invitation; the link (with its token) is returned once and never stored. */
  create: scopedProcedure("member:manage")
    .input(z.object({ email: z.string().trim().toLowerCase().email(), role: Role }))
    .mutation(async ({ ctx, input }) => {
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
    }),

  revoke: scopedProcedure("member:manage")
    .input(z.object({ invitationId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const res = await ctx.prisma.invitation.updateMany({
        where: { id: input.invitationId, workspaceId: ctx.workspace.id, revokedAt: null, acceptedAt: null },
        data: { revokedAt: new Date() },
      });
      if (res.count === 0) throw new NotFoundError("Invitation not found.");
      await ctx.audit({ action: "invitation.revoke", resourceType: "invitation", resourceId: input.invitationId });
      return { ok: true };
    }),

  /** What the invitee sees before accepting. Requires sign-in: the token alone reveals nothing. */
  preview: userProcedure.input(Token).query(async ({ ctx, input }) => {
    const inv = await findOpenInvitation(ctx.prisma, input.token);
    return {
      workspaceName: inv.workspace.name,
      role: inv.role as RoleT,
      email: inv.email,
      invitedBy: inv.invitedBy.name,
      matchesYou: inv.email === ctx.user.email.toLowerCase(),
    };
  }),

  accept: userProcedure.input(Token).mutation(async ({ ctx, input }) => {
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
  }),
});
