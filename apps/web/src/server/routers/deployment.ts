import "server-only";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc/init";
import { deployPipeline } from "../services/deployments/deploy-pipeline";
import { StartFrom } from "../services/deployments/deploy-version";
import { deploymentAcls, latestDeployment } from "../services/deployments/get-deployment";
import { stopDeployment } from "../services/deployments/stop-deployment";

const PipelineIdInput = z.object({ pipelineId: z.string().min(1).max(64) });
/** resume: committed offsets; earliest/latest: every stage's offsets (and keyed state) are reset first. */
/** deployment.deploy's input (the public API's deploy body is this, less the path's pipelineId). */
export const DeployInput = PipelineIdInput.extend({
  versionId: z.string().min(1).max(64),
  startFrom: StartFrom.optional(),
  /** Older name of startFrom. */ startPosition: StartFrom.optional(),
});

const withStartFrom = <D extends { startPosition: string; version: { number: number } }>(d: D) => ({
  ...d,
  startFrom: d.startPosition,
  versionNumber: d.version.number,
});

export const deploymentRouter = router({
  status: scopedProcedure("deployment:read")
    .input(PipelineIdInput)
    .query(async ({ ctx, input }) => {
      const d = await latestDeployment(ctx, input.pipelineId);
      return d ? withStartFrom(d) : null;
    }),

  /** The broker ACLs the deployed version needs (see deploymentAcls). */
  acls: scopedProcedure("deployment:read")
    .input(PipelineIdInput)
    .query(({ ctx, input }) => deploymentAcls(ctx, input.pipelineId)),

  /** Deploys (or redeploys) a published version (see deployVersion), then tells the runners. */
  deploy: scopedProcedure("deployment:create")
    .input(DeployInput)
    .mutation(async ({ ctx, input }) => {
      const d = await deployPipeline(ctx, {
        pipelineId: input.pipelineId,
        versionId: input.versionId,
        startFrom: input.startFrom ?? input.startPosition ?? "resume",
      });
      return withStartFrom(d);
    }),

  /** Stops the pipeline; consumer offsets are kept so a later deploy resumes where it left off. */
  stop: scopedProcedure("deployment:stop")
    .input(PipelineIdInput)
    .mutation(async ({ ctx, input }) => {
      await stopDeployment(ctx, input.pipelineId);
      return { ok: true };
    }),
});
