import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { diffGraphs, PipelineGraph, validateGraph } from "@sluice/shared";
import type { PrismaClient } from "@sluice/db";
import { graphWorkspace } from "../pipelines/graph-workspace";
import { router, scopedProcedure } from "../trpc/init";
import { parseDraft } from "./pipeline";

const VersionRef = z.union([z.literal("draft"), z.string().min(1).max(64)]);

/** Loads a version's graph, or the pipeline's draft for "draft", inside the caller's workspace. */
async function graphOf(prisma: PrismaClient, workspaceId: string, ref: string, pipelineId?: string): Promise<{ graph: PipelineGraph; pipelineId: string }> {
  if (ref === "draft") {
    if (!pipelineId) throw new TRPCError({ code: "BAD_REQUEST", message: "Diffing against the draft needs pipelineId." });
    const p = await prisma.pipeline.findFirst({ where: { id: pipelineId, workspaceId, deletedAt: null }, select: { draft: true, id: true } });
    if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Pipeline not found." });
    return { graph: parseDraft(p.draft), pipelineId: p.id };
  }
  const v = await prisma.pipelineVersion.findFirst({ where: { id: ref, workspaceId }, select: { graph: true, pipelineId: true } });
  if (!v) throw new TRPCError({ code: "NOT_FOUND", message: "Version not found." });
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
        select: { id: true, number: true, pipelineId: true, graph: true, message: true, createdAt: true, author: { select: { name: true } } },
      });
      if (!v) throw new TRPCError({ code: "NOT_FOUND", message: "Version not found." });
      return { ...v, graph: parseDraft(v.graph) };
    }),

  /** Freezes the current draft as the next immutable version. Refused while the graph has errors. */
  publish: scopedProcedure("version:publish")
    .input(z.object({ pipelineId: z.string().min(1).max(64), message: z.string().trim().max(500).default(""), baseRevision: z.number().int().min(0) }))
    .mutation(async ({ ctx, input }) => {
      return ctx.prisma.$transaction(async (tx) => {
        // Lock the pipeline row so two publishes can't take the same number.
        const rows = await tx.$queryRaw<{ id: string; draft: unknown; draft_revision: number }[]>`
          SELECT id, draft, draft_revision FROM pipeline
          WHERE id = ${input.pipelineId} AND workspace_id = ${ctx.workspace.id} AND deleted_at IS NULL FOR UPDATE`;
        const p = rows[0];
        if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Pipeline not found." });
        if (p.draft_revision !== input.baseRevision) {
          throw new TRPCError({ code: "CONFLICT", message: "The draft changed since you loaded it. Reload before publishing." });
        }
        const graph = PipelineGraph.safeParse(p.draft);
        const problems = graph.success ? validateGraph(graph.data, await graphWorkspace(tx, ctx.workspace)).filter((x) => x.severity === "error") : [{ message: "The draft is not a valid pipeline graph." }];
        if (!graph.success || problems.length > 0) {
          throw new TRPCError({ code: "BAD_REQUEST", message: `Fix ${problems.length} problem(s) before publishing: ${problems.slice(0, 5).map((x) => x.message).join("; ")}` });
        }
        const last = await tx.pipelineVersion.findFirst({ where: { pipelineId: p.id }, orderBy: { number: "desc" }, select: { number: true } });
        const v = await tx.pipelineVersion.create({
          data: { pipelineId: p.id, workspaceId: ctx.workspace.id, number: (last?.number ?? 0) + 1, graph: graph.data as object, message: input.message, authorId: ctx.user.id },
        });
        await ctx.audit({ action: "version.publish", resourceType: "pipeline_version", resourceId: v.id, summary: { pipelineId: p.id, number: v.number, message: v.message } }, tx);
        return { id: v.id, number: v.number };
      });
    }),

  diff: scopedProcedure("pipeline:read")
    .input(z.object({ fromVersionId: VersionRef, toVersionId: VersionRef, pipelineId: z.string().min(1).max(64).optional() }))
    .query(async ({ ctx, input }) => {
      const from = await graphOf(ctx.prisma, ctx.workspace.id, input.fromVersionId, input.pipelineId);
      const to = await graphOf(ctx.prisma, ctx.workspace.id, input.toVersionId, input.pipelineId ?? from.pipelineId);
      if (from.pipelineId !== to.pipelineId) throw new TRPCError({ code: "BAD_REQUEST", message: "Both versions must belong to the same pipeline." });
      return diffGraphs(from.graph, to.graph);
    }),

  /** Copies a version's graph into the draft (a new draft revision; the version is untouched). */
  restore: scopedProcedure("pipeline:update")
    .input(z.object({ versionId: z.string().min(1).max(64), baseRevision: z.number().int().min(0) }))
    .mutation(async ({ ctx, input }) => {
      const v = await ctx.prisma.pipelineVersion.findFirst({ where: { id: input.versionId, workspaceId: ctx.workspace.id } });
      if (!v) throw new TRPCError({ code: "NOT_FOUND", message: "Version not found." });
      const res = await ctx.prisma.pipeline.updateMany({
        where: { id: v.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null, draftRevision: input.baseRevision },
        data: { draft: v.graph as object, draftRevision: { increment: 1 }, updatedById: ctx.user.id },
      });
      if (res.count === 0) throw new TRPCError({ code: "CONFLICT", message: "The draft changed since you loaded it. Reload, then restore again." });
      await ctx.audit({ action: "version.restore", resourceType: "pipeline", resourceId: v.pipelineId, summary: { versionId: v.id, number: v.number } });
      return { revision: input.baseRevision + 1 };
    }),
});
