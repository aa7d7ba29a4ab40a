import "server-only";
import { router, scopedProcedure } from "../trpc/init";

export const pipelineRouter = router({
  list: scopedProcedure("pipeline:read").query(async ({ ctx }) => {
    return ctx.prisma.pipeline.findMany({
      where: { workspaceId: ctx.workspace.id, deletedAt: null },
      select: { id: true, name: true, description: true, updatedAt: true, createdById: true },
      orderBy: { updatedAt: "desc" },
    });
  }),
});
