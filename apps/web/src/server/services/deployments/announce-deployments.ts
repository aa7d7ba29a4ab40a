import "server-only";
import { DEPLOYMENTS_CHANNEL } from "@sluice/shared";
import { redis } from "../../redis";

/** Tells the runners a pipeline's deployments changed, so they reconcile it now (they also poll). */
export async function announceDeployments(pipelineId: string): Promise<void> {
  await redis().publish(DEPLOYMENTS_CHANNEL, pipelineId);
}
