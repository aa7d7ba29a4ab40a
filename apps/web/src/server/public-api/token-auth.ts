import "server-only";
import { getPrisma, hashToken, tokenKind } from "@sluice/db";
import type { SessionUser } from "../auth";

export type TokenCaller = { id: string; workspaceId: string; user: SessionUser };

/**
 * Resolves `Authorization: Bearer slp_…` to the token's user and workspace. The token must be
 * unexpired, unrevoked, and its user still a member of the workspace (roles are checked per call).
 */
export async function authenticateToken(header: string | null): Promise<TokenCaller | null> {
  const token = header?.match(/^Bearer\s+(\S+)$/)?.[1];
  if (!token || tokenKind(token) !== "pat") return null;
  const prisma = getPrisma();
  const row = await prisma.personalAccessToken.findUnique({
    where: { hash: hashToken(token) },
    select: {
      id: true,
      workspaceId: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, name: true } },
    },
  });
  if (!row || row.revokedAt || row.expiresAt <= new Date()) return null;
  // Last-used is informative; write it at most once a minute to keep reads cheap.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.personalAccessToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return { id: row.id, workspaceId: row.workspaceId, user: row.user };
}
