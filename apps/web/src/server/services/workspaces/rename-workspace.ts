import "server-only";
import type { ServiceContext } from "../context";

/** Renames the workspace (its slug stays). */
export async function renameWorkspace(ctx: ServiceContext, input: { name: string }) {
  const before = ctx.workspace.name;
  return ctx.prisma.$transaction(async (tx) => {
    const ws = await tx.workspace.update({ where: { id: ctx.workspace.id }, data: { name: input.name } });
    await ctx.audit(
      { action: "workspace.rename", resourceType: "workspace", resourceId: ws.id, summary: { before, after: ws.name } },
      tx,
    );
    return { id: ws.id, name: ws.name, slug: ws.slug };
  });
}
