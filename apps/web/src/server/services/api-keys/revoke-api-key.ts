import "server-only";
import { NotFoundError } from "../../errors";
import { publishKeyRevocation } from "../../key-revocation";
import type { ServiceContext } from "../context";

/** Revokes a key of the workspace (again is a no-op) and tells the runners at once. */
export async function revokeApiKey(ctx: ServiceContext, input: { apiKeyId: string }): Promise<void> {
  const key = await ctx.prisma.apiKey.findFirst({ where: { id: input.apiKeyId, workspaceId: ctx.workspace.id } });
  if (!key) throw new NotFoundError("API key not found.");
  if (key.revokedAt) return;
  await ctx.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  await ctx.audit({
    action: "apiKey.revoke",
    resourceType: "api_key",
    resourceId: key.id,
    summary: { prefix: key.prefix },
  });
  // Runners cache key lookups briefly; tell them now so revocation takes effect at once.
  await publishKeyRevocation(key.hash);
}
