import "server-only";
import { z } from "zod";
import { diffGraphs, type PipelineGraph } from "@sluice/shared";
import type { PrismaClient } from "@sluice/db";
import { env } from "../env";
import { router, scopedProcedure } from "../trpc/init";
import { publishDraft } from "../services/pipelines/publish-draft";
import { parseDraft } from "./pipeline";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";

const VersionRef = z.union([z.literal("draft"), z.string().min(1).max(64)]);
/** version.publish's input (also the public API's publish body, less the path's pipelineId). */
export const PublishInput = z.object({
  pipelineId: z.string().min(1).max(64),
  message: z.string().trim().max(500).default(""),
  baseRevision: z.number().int().min(0),
});

/** Loads a version's graph, or the pipeline's draft for "draft", inside the caller's workspace. */
async function graphOf(
  prisma: PrismaClient,
  workspaceId: string,
  ref: string,
  pipelineId?: string,
): Promise<{ graph: PipelineGraph; pipelineId: string }> {
  if (ref === "draft") {
    if (!pipelineId) throw new InvalidInputError("Diffing against the draft needs pipelineId.");
    const p = await prisma.pipeline.findFirst({
      where: { id: pipelineId, workspaceId, deletedAt: null },
      select: { draft: true, id: true },
    });
    if (!p) throw new NotFoundError("Pipeline not found.");
    return { graph: parseDraft(p.draft), pipelineId: p.id };
  }
  const v = await prisma.pipelineVersion.findFirst({
    where: { id: ref, workspaceId },
    select: { graph: true, pipelineId: true },
  });
  if (!v) throw new NotFoundError("Version not found.");
  return { graph: parseDraft(v.graph), pipelineId: v.pipelineId };
}

export const versionRouter = router({
  list: scopedProcedure("pipeline:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) =>
      ctx.prisma.pipelineVersion.findMany({
        where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id },
        select: { id: true, number: true, message: true, createdAt: true, author: { select: { name: true } } },
        orderBy: { number: "desc" },
      }),
    ),

  get: scopedProcedure("pipeline:read")
    .input(z.object({ versionId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
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
    }),

  /** Freezes the current draft as the next immutable version (see publishDraft). */
  publish: scopedProcedure("version:publish")
    .input(PublishInput)
    .mutation(({ ctx, input }) =>
      publishDraft(ctx.prisma, {
        workspaceId: ctx.workspace.id,
        pipelineId: input.pipelineId,
        baseRevision: input.baseRevision,
        message: input.message,
        userId: ctx.user.id,
        audit: ctx.audit,
        secretKey: env().SLUICE_SECRET_KEY,
      }),
    ),

  diff: scopedProcedure("pipeline:read")
    .input(
      z.object({
        fromVersionId: VersionRef,
        toVersionId: VersionRef,
        pipelineId: z.string().min(1).max(64).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const from = await graphOf(ctx.prisma, ctx.workspace.id, input.fromVersionId, input.pipelineId);
      const to = await graphOf(ctx.prisma, ctx.workspace.id, input.toVersionId, input.pipelineId ?? from.pipelineId);
      if (from.pipelineId !== to.pipelineId)
        throw new InvalidInputError("Both versions must belong to the same pipeline.");
      return diffGraphs(from.graph, to.graph);
    }),

  /** Copies a version's graph into the draft (a new draft revision; the version is untouched). */
  restore: scopedProcedure("pipeline:update")
    .input(z.object({ versionId: z.string().min(1).max(64), baseRevision: z.number().int().min(0) }))
    .mutation(async ({ ctx, input }) => {
      const v = await ctx.prisma.pipelineVersion.findFirst({
        where: { id: input.versionId, workspaceId: ctx.workspace.id },
      });
      if (!v) throw new NotFoundError("Version not found.");
      const res = await ctx.prisma.pipeline.updateMany({
        where: { id: v.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null, draftRevision: input.baseRevision },
        data: { draft: v.graph as object, draftRevision: { increment: 1 }, updatedById: ctx.user.id },
      });
      if (res.count === 0)
        throw new ConflictError("The draft changed since you loaded it. Reload, then restore again.");
      await ctx.audit({
        action: "version.restore",
        resourceType: "pipeline",
        resourceId: v.pipelineId,
        summary: { versionId: v.id, number: v.number },
      });
      return { revision: input.baseRevision + 1 };
    }),
});
