import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { DEPLOYMENTS_CHANNEL, planAcls, rpkAclCommand, workspacePrincipal } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { deploymentStatusSelect as statusSelect, deployVersion, settleNeverStarted } from "../pipelines/deploy-version";
import { observedPipeline } from "../pipelines/observed";
import { refusalsAsTrpc } from "../pipelines/pipeline-refusal";
import { redis } from "../redis";

const PipelineId = z.object({ pipelineId: z.string().min(1).max(64) });
/** resume: committed offsets; earliest/latest: every stage's offsets (and keyed state) are reset first. */
const StartFrom = z.enum(["resume", "earliest", "latest"]);

export const deploymentRouter = router({
  status: scopedProcedure("deployment:read")
    .input(PipelineId)
    .query(async ({ ctx, input }) => {
      const d = await ctx.prisma.deployment.findFirst({ where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id }, orderBy: { createdAt: "desc" }, select: statusSelect });
      return d ? { ...d, startFrom: d.startPosition, versionNumber: d.version.number } : null;
    }),

  /**
   * The broker ACLs the deployed version needs when the workspace has its own Kafka principal
   * (docs/SECURITY.md), with the `rpk` command for each. Empty when nothing is deployed.
   */
  acls: scopedProcedure("deployment:read")
    .input(PipelineId)
    .query(async ({ ctx, input }) => {
      const { plan } = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      const principal = workspacePrincipal(ctx.workspace.slug);
      return { principal, acls: plan ? planAcls(plan).map((acl) => ({ ...acl, command: rpkAclCommand(acl, principal) })) : [] };
    }),

  /** Deploys (or redeploys) a published version (see deployVersion), then tells the runners. */
  deploy: scopedProcedure("deployment:create")
    .input(PipelineId.extend({ versionId: z.string().min(1).max(64), startFrom: StartFrom.optional(), /** Older name of startFrom. */ startPosition: StartFrom.optional() }))
    .mutation(async ({ ctx, input }) => {
      const startFrom = input.startFrom ?? input.startPosition ?? "resume";
      const d = await refusalsAsTrpc(() =>
        deployVersion(ctx.prisma, { workspaceId: ctx.workspace.id, pipelineId: input.pipelineId, versionId: input.versionId, userId: ctx.user.id, startFrom, audit: ctx.audit }),
      );
      await redis().publish(DEPLOYMENTS_CHANNEL, input.pipelineId);
      return { ...d, startFrom: d.startPosition, versionNumber: d.version.number };
    }),

  /** Stops the pipeline; consumer offsets are kept so a later deploy resumes where it left off. */
  stop: scopedProcedure("deployment:stop")
    .input(PipelineId)
    .mutation(async ({ ctx, input }) => {
      const res = await ctx.prisma.deployment.updateMany({ where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id, desiredState: "running" }, data: { desiredState: "stopped" } });
      if (res.count === 0) throw new TRPCError({ code: "NOT_FOUND", message: "The pipeline is not deployed." });
      await settleNeverStarted(ctx.prisma, input.pipelineId, ctx.workspace.id);
      await ctx.audit({ action: "deployment.stop", resourceType: "pipeline", resourceId: input.pipelineId });
      await redis().publish(DEPLOYMENTS_CHANNEL, input.pipelineId);
      return { ok: true };
    }),
});
