import "server-only";
import type { ServiceContext } from "../context";

/** The pipeline's published versions, newest first (none for a pipeline of another workspace). */
export function listVersions(ctx: Pick<ServiceContext, "prisma" | "workspace">, input: { pipelineId: string }) {
  return ctx.prisma.pipelineVersion.findMany({
    where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id },
    select: { id: true, number: true, message: true, createdAt: true, author: { select: { name: true } } },
    orderBy: { number: "desc" },
  });
}
