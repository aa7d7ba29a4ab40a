import "server-only";
import type { UserServiceContext } from "../context";

/** The caller's own tokens across workspaces, newest first (never their hash). */
export function listPersonalTokens(ctx: Pick<UserServiceContext, "prisma" | "user">) {
  return ctx.prisma.personalAccessToken.findMany({
    where: { userId: ctx.user.id },
    select: {
      id: true,
      name: true,
      prefix: true,
      createdAt: true,
      expiresAt: true,
      lastUsedAt: true,
      revokedAt: true,
      workspace: { select: { id: true, name: true } },
    },
    orderBy: { createdAt: "desc" },
  });
}
