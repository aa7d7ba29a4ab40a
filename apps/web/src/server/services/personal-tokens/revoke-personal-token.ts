import "server-only";
import { writeAudit } from "../../audit";
import { NotFoundError } from "../../errors";
import type { UserServiceContext } from "../context";

/** Revokes one of the caller's own tokens (again is a no-op); NotFoundError for anyone else's. */
export async function revokePersonalToken(ctx: UserServiceContext, input: { tokenId: string }): Promise<void> {
  const t = await ctx.prisma.personalAccessToken.findFirst({ where: { id: input.tokenId, userId: ctx.user.id } });
  if (!t) throw new NotFoundError("Token not found.");
  if (t.revokedAt) return;
  await ctx.prisma.personalAccessToken.update({ where: { id: t.id }, data: { revokedAt: new Date() } });
  await writeAudit(ctx.prisma, {
    workspaceId: t.workspaceId,
    actor: { type: "user", id: ctx.user.id },
    action: "personalToken.revoke",
    resourceType: "personal_access_token",
    resourceId: t.id,
    outcome: "success",
    request: ctx.request,
    summary: { prefix: t.prefix },
  });
}
