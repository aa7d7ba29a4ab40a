import "server-only";
import { diffGraphs, type PipelineGraph } from "@sluice/shared";
import { InvalidInputError, NotFoundError } from "../../errors";
import { parseDraft } from "../../pipelines/parse-draft";
import type { ServiceContext } from "../context";

type Ctx = Pick<ServiceContext, "prisma" | "workspace">;

/** Loads a version's graph, or the pipeline's draft for "draft", inside the caller's workspace. */
async function graphOf(
  ctx: Ctx,
  ref: string,
  pipelineId?: string,
): Promise<{ graph: PipelineGraph; pipelineId: string }> {
  if (ref === "draft") {
    if (!pipelineId) throw new InvalidInputError("Diffing against the draft needs pipelineId.");
    const p = await ctx.prisma.pipeline.findFirst({
      where: { id: pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      select: { draft: true, id: true },
    });
    if (!p) throw new NotFoundError("Pipeline not found.");
    return { graph: parseDraft(p.draft), pipelineId: p.id };
  }
  const v = await ctx.prisma.pipelineVersion.findFirst({
    where: { id: ref, workspaceId: ctx.workspace.id },
    select: { graph: true, pipelineId: true },
  });
  if (!v) throw new NotFoundError("Version not found.");
  return { graph: parseDraft(v.graph), pipelineId: v.pipelineId };
}

/** What changed between two versions (or a version and the draft: "draft") of one pipeline. */
export async function diffVersions(
  ctx: Ctx,
  input: { fromVersionId: string; toVersionId: string; pipelineId?: string | undefined },
) {
  const from = await graphOf(ctx, input.fromVersionId, input.pipelineId);
  const to = await graphOf(ctx, input.toVersionId, input.pipelineId ?? from.pipelineId);
  if (from.pipelineId !== to.pipelineId) throw new InvalidInputError("Both versions must belong to the same pipeline.");
  return diffGraphs(from.graph, to.graph);
}
