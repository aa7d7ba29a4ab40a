import "server-only";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

/** Deletes a secret of the workspace; NotFoundError outside it. */
export async function deleteSecret(ctx: ServiceContext, input: { secretId: string }): Promise<void> {
  const s = await ctx.prisma.secret.findFirst({
    where: { id: input.secretId, workspaceId: ctx.workspace.id },
    select: { id: true, name: true },
  });
  if (!s) throw new NotFoundError("Secret not found.");
  await ctx.prisma.secret.delete({ where: { id: s.id } });
  await ctx.audit({ action: "secret.delete", resourceType: "secret", resourceId: s.id, summary: { name: s.name } });
}
