import "server-only";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc/init";

export const auditRouter = router({
  list: scopedProcedure("audit:read")
    .input(
      z.object({
        action: z.string().trim().max(80).optional(),
        actorId: z.string().max(64).optional(),
        outcome: z.enum(["success", "denied", "error"]).optional(),
        resourceType: z.string().max(64).optional(),
        /** Rows older than this id (keyset pagination, newest first). */
        before: z.bigint().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.prisma.auditLog.findMany({
        where: {
          workspaceId: ctx.workspace.id,
          ...(input.action ? { action: { contains: input.action } } : {}),
          ...(input.actorId ? { actorId: input.actorId } : {}),
          ...(input.outcome ? { outcome: input.outcome } : {}),
          ...(input.resourceType ? { resourceType: input.resourceType } : {}),
          ...(input.before ? { id: { lt: input.before } } : {}),
        },
        orderBy: { id: "desc" },
        take: input.limit + 1,
      });
      const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
      const users = await ctx.prisma.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true, email: true } });
      const byId = new Map(users.map((u) => [u.id, u]));
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((r) => ({ ...r, actor: r.actorId ? (byId.get(r.actorId) ?? null) : null })),
        nextBefore: rows.length > input.limit ? page[page.length - 1]!.id : null,
      };
    }),
});
