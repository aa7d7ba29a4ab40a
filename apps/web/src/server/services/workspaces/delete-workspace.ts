import "server-only";
import { InvalidInputError, PreconditionFailedError } from "../../errors";
import type { ServiceContext } from "../context";

/** Deletes the workspace and everything in it, once `confirmName` is its name and nothing runs. */
export async function deleteWorkspace(ctx: ServiceContext, input: { confirmName: string }): Promise<void> {
  if (input.confirmName !== ctx.workspace.name) {
    throw new InvalidInputError("Type the workspace name exactly to confirm.");
  }
  const running = await ctx.prisma.deployment.count({
    where: { workspaceId: ctx.workspace.id, desiredState: "running" },
  });
  if (running > 0) throw new PreconditionFailedError(`Stop the ${running} running pipeline(s) first.`);
  // The audit row outlives the workspace (audit_log has no foreign keys), and is written only if
  // the delete commits.
  await ctx.prisma.$transaction(async (tx) => {
    await ctx.audit(
      {
        action: "workspace.delete",
        resourceType: "workspace",
        resourceId: ctx.workspace.id,
        summary: { name: ctx.workspace.name },
      },
      tx,
    );
    await tx.workspace.delete({ where: { id: ctx.workspace.id } });
  });
}
