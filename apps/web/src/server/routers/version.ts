import "server-only";
import { z } from "zod";
import { env } from "../env";
import { router, scopedProcedure } from "../trpc/init";
import { publishDraft } from "../services/pipelines/publish-draft";
import { diffVersions } from "../services/versions/diff-versions";
import { getVersion } from "../services/versions/get-version";
import { listVersions } from "../services/versions/list-versions";
import { restoreVersion } from "../services/versions/restore-version";

const VersionRef = z.union([z.literal("draft"), z.string().min(1).max(64)]);
/** version.publish's input (also the public API's publish body, less the path's pipelineId). */
export const PublishInput = z.object({
  pipelineId: z.string().min(1).max(64),
  message: z.string().trim().max(500).default(""),
  baseRevision: z.number().int().min(0),
});

export const versionRouter = router({
  list: scopedProcedure("pipeline:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => listVersions(ctx, input)),

  get: scopedProcedure("pipeline:read")
    .input(z.object({ versionId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => getVersion(ctx, input)),

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

  /** What changed between two versions, or a version and the draft ("draft", with pipelineId). */
  diff: scopedProcedure("pipeline:read")
    .input(
      z.object({
        fromVersionId: VersionRef,
        toVersionId: VersionRef,
        pipelineId: z.string().min(1).max(64).optional(),
      }),
    )
    .query(({ ctx, input }) => diffVersions(ctx, input)),

  /** Copies a version's graph into the draft (a new draft revision; the version is untouched). */
  restore: scopedProcedure("pipeline:update")
    .input(z.object({ versionId: z.string().min(1).max(64), baseRevision: z.number().int().min(0) }))
    .mutation(({ ctx, input }) => restoreVersion(ctx, input)),
});
