import "server-only";
import type { ServiceContext } from "../context";

/** The workspace's API keys, newest first (never their hash). */
export function listApiKeys(ctx: Pick<ServiceContext, "prisma" | "workspace">) {
  return ctx.prisma.apiKey.findMany({
    where: { workspaceId: ctx.workspace.id },
    select: {
      id: true,
      name: true,
      prefix: true,
      pipelineId: true,
      scope: true,
      publishable: true,
      allowedOrigins: true,
      createdAt: true,
      lastUsedAt: true,
      revokedAt: true,
      createdBy: { select: { name: true } },
    },
    orderBy: { createdAt: "desc" },
  });
}
