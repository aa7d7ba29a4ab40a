import "server-only";
import type { z } from "zod";
import { openSecret, sealSecret, type Prisma } from "@sluice/db";
import type { ScopedAudit } from "../../audit";
import { env } from "../../env";
import { ConflictError, PreconditionFailedError } from "../../errors";
import type { ServiceContext } from "../context";
import { isUniqueViolation } from "../unique-violation";

// What Kafka connections and schema registries have in common: a named workspace resource whose
// credentials go in sealed and come back out only as a masked hint, and that running pipelines use.

/** What leaves the server of a connection besides its settings: its credentials' hint, never the credentials. */
export const maskedConnectionSelect = {
  id: true,
  name: true,
  credentialsHint: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;

/** Credentials sealed as JSON with the secret key; the workspace id is the associated data. */
export function sealCredentials(credentials: object, workspaceId: string): string {
  return sealSecret(JSON.stringify(credentials), env().SLUICE_SECRET_KEY, workspaceId);
}

/** Saved credentials opened for the server's own use (a client, a test); never returned. */
export function openCredentials<T>(schema: z.ZodType<T>, sealed: string | null, workspaceId: string): T | undefined {
  return sealed ? schema.parse(JSON.parse(openSecret(sealed, env().SLUICE_SECRET_KEY, workspaceId))) : undefined;
}

type ConnectionAudit = Parameters<ScopedAudit>[0];

/**
 * Writes a connection (`write`, returning what the caller gets back) and its audit row in one
 * transaction. The unique (workspace, name) index settles a taken name: ConflictError saying `conflict`.
 */
export function saveConnection<T>(
  ctx: ServiceContext,
  options: {
    write: (tx: Prisma.TransactionClient) => Promise<T>;
    audit: (saved: T) => ConnectionAudit;
    conflict: string;
  },
): Promise<T> {
  return ctx.prisma
    .$transaction(async (tx) => {
      const saved = await options.write(tx);
      await ctx.audit(options.audit(saved), tx);
      return saved;
    })
    .catch((e: unknown) => {
      throw isUniqueViolation(e) ? new ConflictError(options.conflict) : e;
    });
}

/**
 * Deletes a connection (`remove`) with its audit row, unless a running deployment's graph has a node
 * whose config refers to it (`ref`, e.g. `{ connectionId }`): then PreconditionFailedError naming
 * those pipelines and the connection as `noun`.
 */
export async function deleteUnlessRunning(
  ctx: ServiceContext,
  options: {
    ref: Record<string, string>;
    noun: string;
    remove: (tx: Prisma.TransactionClient) => Promise<unknown>;
    audit: ConnectionAudit;
  },
): Promise<void> {
  const probe = JSON.stringify([{ config: options.ref }]);
  const inUse = await ctx.prisma.$queryRaw<{ name: string }[]>`
    SELECT p.name FROM deployment d JOIN pipeline_version v ON v.id = d.version_id JOIN pipeline p ON p.id = d.pipeline_id
    WHERE d.workspace_id = ${ctx.workspace.id} AND d.desired_state = 'running' AND v.graph->'nodes' @> ${probe}::jsonb`;
  if (inUse.length > 0) {
    throw new PreconditionFailedError(
      `Stop the pipelines using this ${options.noun} first: ${inUse.map((p) => p.name).join(", ")}.`,
    );
  }
  await ctx.prisma.$transaction(async (tx) => {
    await options.remove(tx);
    await ctx.audit(options.audit, tx);
  });
}
