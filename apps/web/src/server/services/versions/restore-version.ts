import "server-only";
import { ConflictError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

/**
 * Copies a version's graph into the draft (a new draft revision; the version is untouched).
 * ConflictError when the draft moved past `baseRevision`.
 */
export async function restoreVersion(
  ctx: ServiceContext,
  input: { versionId: string; baseRevision: number },
): Promise<{ revision: number }> {
  const v = await ctx.prisma.pipelineVersion.findFirst({
    where: { id: input.versionId, workspaceId: ctx.workspace.id },
  });
  if (!v) throw new NotFoundError("Version not found.");
  const res = await ctx.prisma.pipeline.updateMany({
    where: { id: v.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null, draftRevision: input.baseRevision },
    data: { draft: v.graph as object, draftRevision: { increment: 1 }, updatedById: ctx.user.id },
  });
  if (res.count === 0) throw new ConflictError("The draft changed since you loaded it. Reload, then restore again.");
  await ctx.audit({
    action: "version.restore",
    resourceType: "pipeline",
    resourceId: v.pipelineId,
    summary: { versionId: v.id, number: v.number },
  });
  return { revision: input.baseRevision + 1 };
}
