import "server-only";
import { issueToken } from "@sluice/db";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";

type CreateApiKeyInput = {
  name: string;
  /** Limits the key to this pipeline of the workspace (NotFoundError for any other). Default: the whole workspace. */
  pipelineId?: string | undefined;
  scope: "ingest" | "read";
  publishable: boolean;
  allowedOrigins: string[];
};

/** Issues a key; the token is in the answer only (the database keeps its SHA-256 hash). */
export async function createApiKey(ctx: ServiceContext, input: CreateApiKeyInput) {
  if (input.pipelineId) {
    const p = await ctx.prisma.pipeline.findFirst({
      where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      select: { id: true },
    });
    if (!p) throw new NotFoundError("Pipeline not found.");
  }
  const issued = issueToken(input.scope);
  const key = await ctx.prisma.$transaction(async (tx) => {
    const k = await tx.apiKey.create({
      data: {
        workspaceId: ctx.workspace.id,
        pipelineId: input.pipelineId ?? null,
        name: input.name,
        prefix: issued.prefix,
        hash: issued.hash,
        createdById: ctx.user.id,
        scope: input.scope,
        publishable: input.publishable,
        allowedOrigins: input.allowedOrigins,
      },
    });
    await ctx.audit(
      {
        action: "apiKey.create",
        resourceType: "api_key",
        resourceId: k.id,
        summary: {
          name: k.name,
          prefix: k.prefix,
          pipelineId: k.pipelineId,
          scope: k.scope,
          publishable: k.publishable,
          allowedOrigins: k.allowedOrigins,
        },
      },
      tx,
    );
    return k;
  });
  return { id: key.id, name: key.name, prefix: key.prefix, token: issued.token };
}
