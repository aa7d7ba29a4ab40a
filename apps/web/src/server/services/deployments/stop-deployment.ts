import "server-only";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { announceDeployments } from "./announce-deployments";
import { settleNeverStarted } from "./deploy-version";

/** Stops the pipeline; consumer offsets are kept so a later deploy resumes where it left off. */
export async function stopDeployment(ctx: ServiceContext, pipelineId: string): Promise<void> {
  const res = await ctx.prisma.deployment.updateMany({
    where: { pipelineId, workspaceId: ctx.workspace.id, desiredState: "running" },
    data: { desiredState: "stopped" },
  });
  if (res.count === 0) throw new NotFoundError("The pipeline is not deployed.");
  await settleNeverStarted(ctx.prisma, pipelineId, ctx.workspace.id);
  await ctx.audit({ action: "deployment.stop", resourceType: "pipeline", resourceId: pipelineId });
  await announceDeployments(pipelineId);
}
