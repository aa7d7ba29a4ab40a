import "server-only";
import { z } from "zod";
import { issueToken } from "@sluice/db";
import { writeAudit } from "../audit";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { NotFoundError } from "../errors";

/**
 * Personal access tokens for the public HTTP API. A token belongs to one user and one workspace and
 * acts with that user's *current* role there (looked up per request), never more.
 */
export const personalTokenRouter = router({
  list: userProcedure.query(({ ctx }) =>
    ctx.prisma.personalAccessToken.findMany({
      where: { userId: ctx.user.id },
      select: {
        id: true,
        name: true,
        prefix: true,
        createdAt: true,
        expiresAt: true,
        lastUsedAt: true,
        revokedAt: true,
        workspace: { select: { id: true, name: true } },
      },
      orderBy: { createdAt: "desc" },
    }),
  ),

  // Any member may create a token for themselves; what it can do is bounded by their role.
  create: scopedProcedure("workspace:read")
    .input(
      z.object({ name: z.string().trim().min(1).max(80), expiresInDays: z.number().int().min(1).max(365).default(90) }),
    )
    .mutation(async ({ ctx, input }) => {
      const issued = issueToken("pat");
      const t = await ctx.prisma.$transaction(async (tx) => {
        const row = await tx.personalAccessToken.create({
          data: {
            userId: ctx.user.id,
            workspaceId: ctx.workspace.id,
            name: input.name,
            prefix: issued.prefix,
            hash: issued.hash,
            expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
          },
        });
        await ctx.audit(
          {
            action: "personalToken.create",
            resourceType: "personal_access_token",
            resourceId: row.id,
            summary: { name: row.name, prefix: row.prefix, expiresAt: row.expiresAt.toISOString() },
          },
          tx,
        );
        return row;
      });
      return { id: t.id, name: t.name, prefix: t.prefix, expiresAt: t.expiresAt, token: issued.token };
    }),

  revoke: userProcedure.input(z.object({ tokenId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    const t = await ctx.prisma.personalAccessToken.findFirst({ where: { id: input.tokenId, userId: ctx.user.id } });
    if (!t) throw new NotFoundError("Token not found.");
    if (!t.revokedAt) {
      await ctx.prisma.personalAccessToken.update({ where: { id: t.id }, data: { revokedAt: new Date() } });
      await writeAudit(ctx.prisma, {
        workspaceId: t.workspaceId,
        actor: { type: "user", id: ctx.user.id },
        action: "personalToken.revoke",
        resourceType: "personal_access_token",
        resourceId: t.id,
        outcome: "success",
        request: ctx.request,
        summary: { prefix: t.prefix },
      });
    }
    return { ok: true };
  }),
});
