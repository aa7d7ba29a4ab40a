import "server-only";
import { z } from "zod";
import { Role, assignableRoles, roleHasScope, type Role as RoleT } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../errors";

const MemberId = z.object({ memberId: z.string().min(1).max(64) });

/** Guards shared by role changes and removals: who may touch whom. */
function assertMayManage(
  actorRole: RoleT,
  actorUserId: string,
  target: { role: RoleT; userId: string },
  newRole?: RoleT,
) {
  if (target.userId === actorUserId) throw new InvalidInputError("You cannot change your own membership here.");
  const touchesOwner = target.role === "owner" || newRole === "owner";
  if (touchesOwner && !roleHasScope(actorRole, "member:manage-owners")) {
    throw new ForbiddenError("Only owners can change owners.");
  }
  if (newRole && !assignableRoles(actorRole).includes(newRole)) {
    throw new ForbiddenError(`A ${actorRole} cannot grant the ${newRole} role.`);
  }
}

export const memberRouter = router({
  list: scopedProcedure("member:read").query(async ({ ctx }) => {
    const rows = await ctx.prisma.member.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
      orderBy: { createdAt: "asc" },
    });
    return rows.map((m) => ({
      id: m.id,
      role: m.role as RoleT,
      joinedAt: m.createdAt,
      user: m.user,
      isYou: m.user.id === ctx.user.id,
    }));
  }),

  updateRole: scopedProcedure("member:manage")
    .input(MemberId.extend({ role: Role }))
    .mutation(async ({ ctx, input }) => {
      const target = await ctx.prisma.member.findFirst({
        where: { id: input.memberId, workspaceId: ctx.workspace.id },
      });
      if (!target) throw new NotFoundError("Member not found.");
      assertMayManage(ctx.role, ctx.user.id, { role: target.role as RoleT, userId: target.userId }, input.role);
      return ctx.prisma.$transaction(async (tx) => {
        if (target.role === "owner" && input.role !== "owner") {
          const owners = await tx.member.count({ where: { workspaceId: ctx.workspace.id, role: "owner" } });
          if (owners <= 1) throw new InvalidInputError("A workspace needs at least one owner.");
        }
        const m = await tx.member.update({ where: { id: target.id }, data: { role: input.role } });
        await ctx.audit(
          {
            action: "member.updateRole",
            resourceType: "member",
            resourceId: m.id,
            summary: { userId: m.userId, before: target.role, after: m.role },
          },
          tx,
        );
        return { id: m.id, role: m.role as RoleT };
      });
    }),

  /** Leaves the workspace. The last owner must transfer ownership (or delete the workspace) first. */
  leave: scopedProcedure("workspace:read")
    // An explicit confirmation keeps a stray call (or a test probing scopes) from removing you.
    .input(z.object({ confirm: z.literal(true) }))
    .mutation(async ({ ctx }) => {
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
      return { ok: true };
    }),

  remove: scopedProcedure("member:manage")
    .input(MemberId)
    .mutation(async ({ ctx, input }) => {
      const target = await ctx.prisma.member.findFirst({
        where: { id: input.memberId, workspaceId: ctx.workspace.id },
      });
      if (!target) throw new NotFoundError("Member not found.");
      assertMayManage(ctx.role, ctx.user.id, { role: target.role as RoleT, userId: target.userId });
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
      return { ok: true };
    }),
});
