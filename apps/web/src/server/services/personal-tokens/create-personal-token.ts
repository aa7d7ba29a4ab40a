import "server-only";
import { issueToken } from "@sluice/db";
import type { ServiceContext } from "../context";

/**
 * A token for the caller in the current workspace, expiring after `expiresInDays`. The token itself is
 * in the answer only: the database keeps its hash.
 */
export async function createPersonalToken(ctx: ServiceContext, input: { name: string; expiresInDays: number }) {
  const issued = issueToken("pat");
  const t = await ctx.prisma.$transaction(async (tx) => {
    const row = await tx.personalAccessToken.create({
      data: {
        userId: ctx.user.id,
        workspaceId: ctx.workspace.id,
        name: input.name,
        prefix: issued.prefix,
        hash: issued.hash,
        expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
      },
    });
    await ctx.audit(
      {
        action: "personalToken.create",
        resourceType: "personal_access_token",
        resourceId: row.id,
        summary: { name: row.name, prefix: row.prefix, expiresAt: row.expiresAt.toISOString() },
      },
      tx,
    );
    return row;
  });
  return { id: t.id, name: t.name, prefix: t.prefix, expiresAt: t.expiresAt, token: issued.token };
}
