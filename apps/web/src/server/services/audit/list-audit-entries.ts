import "server-only";
import type { ServiceContext } from "../context";

type ListAuditInput = {
  action?: string | undefined;
  actorId?: string | undefined;
  outcome?: "success" | "denied" | "error" | undefined;
  resourceType?: string | undefined;
  /** Rows older than this id (keyset pagination, newest first). */
  before?: bigint | undefined;
  limit: number;
};

/** A page of the workspace's audit log, newest first, each row with its actor (when a user). */
export async function listAuditEntries(ctx: Pick<ServiceContext, "prisma" | "workspace">, input: ListAuditInput) {
  const rows = await ctx.prisma.auditLog.findMany({
    where: {
      workspaceId: ctx.workspace.id,
      ...(input.action ? { action: { contains: input.action } } : {}),
      ...(input.actorId ? { actorId: input.actorId } : {}),
      ...(input.outcome ? { outcome: input.outcome } : {}),
      ...(input.resourceType ? { resourceType: input.resourceType } : {}),
      ...(input.before ? { id: { lt: input.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
  const users = await ctx.prisma.user.findMany({
    where: { id: { in: actorIds } },
    select: { id: true, name: true, email: true },
  });
  const byId = new Map(users.map((u) => [u.id, u]));
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => ({ ...r, actor: r.actorId ? (byId.get(r.actorId) ?? null) : null })),
    nextBefore: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}
