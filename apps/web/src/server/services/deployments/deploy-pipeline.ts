import "server-only";
import type { ServiceContext } from "../context";
import { announceDeployments } from "./announce-deployments";
import { deployVersion, type StartFrom } from "./deploy-version";

/** Deploys a published version as the caller (see deployVersion), then tells the runners. */
export async function deployPipeline(
  ctx: ServiceContext,
  input: { pipelineId: string; versionId: string; startFrom: StartFrom },
) {
  const d = await deployVersion(ctx.prisma, {
    workspaceId: ctx.workspace.id,
    pipelineId: input.pipelineId,
    versionId: input.versionId,
    userId: ctx.user.id,
    startFrom: input.startFrom,
    audit: ctx.audit,
  });
  await announceDeployments(input.pipelineId);
  return d;
}
