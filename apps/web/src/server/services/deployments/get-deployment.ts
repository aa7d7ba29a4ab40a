import "server-only";
import { planAcls, rpkAclCommand, workspacePrincipal } from "@sluice/shared";
import { observedPipeline } from "../../pipelines/observed";
import type { ServiceContext } from "../context";
import { deploymentStatusSelect } from "./deploy-version";

/** The pipeline's newest deployment (running or not), or null when it was never deployed. */
export function latestDeployment(ctx: Pick<ServiceContext, "prisma" | "workspace">, pipelineId: string) {
  return ctx.prisma.deployment.findFirst({
    where: { pipelineId, workspaceId: ctx.workspace.id },
    orderBy: { createdAt: "desc" },
    select: deploymentStatusSelect,
  });
}

/**
 * The broker ACLs the deployed version needs when the workspace has its own Kafka principal
 * (docs/SECURITY.md), with the `rpk` command for each. Empty when nothing is deployed.
 */
export async function deploymentAcls(ctx: Pick<ServiceContext, "prisma" | "workspace">, pipelineId: string) {
  const { plan } = await observedPipeline(ctx.prisma, ctx.workspace.id, pipelineId);
  const principal = workspacePrincipal(ctx.workspace.slug);
  return {
    principal,
    acls: plan ? planAcls(plan).map((acl) => ({ ...acl, command: rpkAclCommand(acl, principal) })) : [],
  };
}
