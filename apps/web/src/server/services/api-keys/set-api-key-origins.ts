import "server-only";
import { InvalidInputError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

/** Changes where a publishable key may be used from; runners pick it up within their key cache time. */
export async function setApiKeyOrigins(
  ctx: ServiceContext,
  input: { apiKeyId: string; allowedOrigins: string[] },
): Promise<void> {
  const key = await ctx.prisma.apiKey.findFirst({
    where: { id: input.apiKeyId, workspaceId: ctx.workspace.id, revokedAt: null },
  });
  if (!key) throw new NotFoundError("API key not found.");
  if (!key.publishable) throw new InvalidInputError("Only publishable keys have allowed origins.");
  await ctx.prisma.$transaction(async (tx) => {
    await tx.apiKey.update({ where: { id: key.id }, data: { allowedOrigins: input.allowedOrigins } });
    await ctx.audit(
      {
        action: "apiKey.setAllowedOrigins",
        resourceType: "api_key",
        resourceId: key.id,
        summary: { prefix: key.prefix, before: key.allowedOrigins, after: input.allowedOrigins },
      },
      tx,
    );
  });
}
