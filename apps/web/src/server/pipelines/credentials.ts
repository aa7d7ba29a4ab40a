// No "server-only" marker: `npm start`'s demo seed deploys through the same functions (scripts/lib/seed.ts).
import type { PrismaClient } from "@sluice/db";
import type { KnownCredentials } from "@sluice/shared";

/** The workspace's secrets and unrevoked API keys, for validateGraph's credential check. */
export async function knownCredentials(
  db: Pick<PrismaClient, "secret" | "apiKey">,
  workspaceId: string,
): Promise<KnownCredentials> {
  const [secrets, keys] = await Promise.all([
    db.secret.findMany({ where: { workspaceId }, select: { id: true } }),
    db.apiKey.findMany({ where: { workspaceId, revokedAt: null, scope: "ingest" }, select: { id: true } }),
  ]);
  return { secretIds: new Set(secrets.map((s) => s.id)), apiKeyIds: new Set(keys.map((k) => k.id)) };
}
