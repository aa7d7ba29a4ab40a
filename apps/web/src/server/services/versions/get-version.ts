import "server-only";
import { NotFoundError } from "../../errors";
import { parseDraft } from "../../pipelines/parse-draft";
import type { ServiceContext } from "../context";

/** One version of the workspace with its graph; NotFoundError otherwise. */
export async function getVersion(ctx: Pick<ServiceContext, "prisma" | "workspace">, input: { versionId: string }) {
  const v = await ctx.prisma.pipelineVersion.findFirst({
    where: { id: input.versionId, workspaceId: ctx.workspace.id },
    select: {
      id: true,
      number: true,
      pipelineId: true,
      graph: true,
      message: true,
      createdAt: true,
      author: { select: { name: true } },
    },
  });
  if (!v) throw new NotFoundError("Version not found.");
  return { ...v, graph: parseDraft(v.graph) };
}
