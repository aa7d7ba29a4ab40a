import "server-only";
import { z } from "zod";
import { ROLE_SCOPES, type Role } from "@sluice/shared";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { writeAudit } from "../audit";
import { InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors";

const WorkspaceName = z.string().trim().min(2, "At least 2 characters").max(60);

function slugify(name: string) {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "workspace";
  return `${base}-${Math.random().toString(36).slice(2, 7)}`;
}

export const workspaceRouter = router({
  /** Workspaces the caller belongs to, with their role and its scopes (the UI hides what it can't do). */
  list: userProcedure.query(async ({ ctx }) => {
    const rows = await ctx.prisma.member.findMany({
      where: { userId: ctx.user.id },
      select: { role: true, workspace: { select: { id: true, name: true, slug: true } } },
      orderBy: { createdAt: "asc" },
    });
    return rows.map((r) => ({ ...r.workspace, role: r.role as Role, scopes: [...ROLE_SCOPES[r.role as Role]] }));
  }),

  create: userProcedure.input(z.object({ name: WorkspaceName })).mutation(async ({ ctx, input }) => {
    return ctx.prisma.$transaction(async (tx) => {
      const ws = await tx.workspace.create({ data: { name: input.name, slug: slugify(input.name) } });
      await tx.member.create({ data: { workspaceId: ws.id, userId: ctx.user.id, role: "owner" } });
      await writeAudit(tx, {
        workspaceId: ws.id,
        actor: { type: "user", id: ctx.user.id },
        action: "workspace.create",
        resourceType: "workspace",
        resourceId: ws.id,
        outcome: "success",
        request: ctx.request,
        summary: { name: ws.name },
      });
      return { id: ws.id, name: ws.name, slug: ws.slug };
    });
  }),

  get: scopedProcedure("workspace:read").query(({ ctx }) => ({
    ...ctx.workspace,
    role: ctx.role,
    scopes: [...ROLE_SCOPES[ctx.role]],
  })),

  /** Makes another member the owner; the current owner becomes an admin. */
  transferOwnership: scopedProcedure("workspace:transfer")
    .input(z.object({ memberId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      return ctx.prisma.$transaction(async (tx) => {
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
        return { ok: true };
      });
    }),

  /** Deletes the workspace and everything in it. The caller must type the workspace name. */
  delete: scopedProcedure("workspace:delete")
    .input(z.object({ confirmName: z.string() }))
    .mutation(async ({ ctx, input }) => {
      if (input.confirmName !== ctx.workspace.name) {
        throw new InvalidInputError("Type the workspace name exactly to confirm.");
      }
      const running = await ctx.prisma.deployment.count({
        where: { workspaceId: ctx.workspace.id, desiredState: "running" },
      });
      if (running > 0) throw new PreconditionFailedError(`Stop the ${running} running pipeline(s) first.`);
      // The audit row outlives the workspace (audit_log has no foreign keys), and is written only if
      // the delete commits.
      await ctx.prisma.$transaction(async (tx) => {
        await ctx.audit(
          {
            action: "workspace.delete",
            resourceType: "workspace",
            resourceId: ctx.workspace.id,
            summary: { name: ctx.workspace.name },
          },
          tx,
        );
        await tx.workspace.delete({ where: { id: ctx.workspace.id } });
      });
      return { ok: true };
    }),

  rename: scopedProcedure("workspace:update")
    .input(z.object({ name: WorkspaceName }))
    .mutation(async ({ ctx, input }) => {
      const before = ctx.workspace.name;
      return ctx.prisma.$transaction(async (tx) => {
        const ws = await tx.workspace.update({ where: { id: ctx.workspace.id }, data: { name: input.name } });
        await ctx.audit(
          {
            action: "workspace.rename",
            resourceType: "workspace",
            resourceId: ws.id,
            summary: { before, after: ws.name },
          },
          tx,
        );
        return { id: ws.id, name: ws.name, slug: ws.slug };
      });
    }),
});
