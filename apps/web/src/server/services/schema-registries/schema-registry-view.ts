import "server-only";
import { secretHint } from "@sluice/db";
import { createRegistryClient, RegistryError } from "@sluice/schema-registry";
import { SchemaRegistryCredentials } from "@sluice/shared";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { maskedConnectionSelect, openCredentials, sealCredentials } from "../connections/connection-records";

/** What leaves the server of a schema registry: name, URL and the credentials' hint. */
export const listedSchemaRegistry = { ...maskedConnectionSelect, url: true } as const;

export const registryNotFound = "Schema registry not found.";
export const registryConflict = (name: string) => `A schema registry named ${name} already exists.`;

/** Basic-auth credentials sealed, with their hint (`user / ••••word`). */
export function sealRegistryCredentials(credentials: SchemaRegistryCredentials, workspaceId: string) {
  return {
    credentials: sealCredentials(credentials, workspaceId),
    credentialsHint: `${credentials.username} / ${secretHint(credentials.password)}`,
  };
}

/** A client for one of the workspace's registries (credentials opened here, never returned); NotFoundError outside it. */
export async function registryClientFor(ctx: Pick<ServiceContext, "prisma" | "workspace">, registryId: string) {
  const row = await ctx.prisma.schemaRegistryConnection.findFirst({
    where: { id: registryId, workspaceId: ctx.workspace.id },
    select: { url: true, credentials: true },
  });
  if (!row) throw new NotFoundError(registryNotFound);
  const auth = openCredentials(SchemaRegistryCredentials, row.credentials, ctx.workspace.id);
  return createRegistryClient({ url: row.url, ...(auth ? { auth } : {}), timeoutMs: 5000 });
}

/** A registry failure as a message for people: never the credentials, never a stack. */
export function describeRegistryError(e: unknown): string {
  if (e instanceof RegistryError) return e.status === 0 ? e.message : `${e.message} (HTTP ${e.status})`;
  return "the schema registry's answer could not be read";
}
