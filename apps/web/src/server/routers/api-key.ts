import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { issueToken } from "@sluice/db";
import { router, scopedProcedure } from "../trpc/init";
import { publishKeyRevocation } from "../key-revocation";

export const apiKeyRouter = router({
  list: scopedProcedure("apikey:read").query(({ ctx }) =>
    ctx.prisma.apiKey.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: { id: true, name: true, prefix: true, pipelineId: true, createdAt: true, lastUsedAt: true, revokedAt: true, createdBy: { select: { name: true } } },
      orderBy: { createdAt: "desc" },
    }),
  ),

  /** Returns the key once; only its SHA-256 hash is stored. */
  create: scopedProcedure("apikey:manage")
    .input(z.object({ name: z.string().trim().min(1).max(80), pipelineId: z.string().min(1).max(64).optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.pipelineId) {
        const p = await ctx.prisma.pipeline.findFirst({ where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null }, select: { id: true } });
        if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Pipeline not found." });
      }
      const issued = issueToken("ingest");
      const key = await ctx.prisma.$transaction(async (tx) => {
        const k = await tx.apiKey.create({
          data: { workspaceId: ctx.workspace.id, pipelineId: input.pipelineId ?? null, name: input.name, prefix: issued.prefix, hash: issued.hash, createdById: ctx.user.id },
        });
        await ctx.audit({ action: "apiKey.create", resourceType: "api_key", resourceId: k.id, summary: { name: k.name, prefix: k.prefix, pipelineId: k.pipelineId } }, tx);
        return k;
      });
      return { id: key.id, name: key.name, prefix: key.prefix, token: issued.token };
    }),

  revoke: scopedProcedure("apikey:manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const key = await ctx.prisma.apiKey.findFirst({ where: { id: input.apiKeyId, workspaceId: ctx.workspace.id } });
      if (!key) throw new TRPCError({ code: "NOT_FOUND", message: "API key not found." });
      if (!key.revokedAt) {
        await ctx.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
        await ctx.audit({ action: "apiKey.revoke", resourceType: "api_key", resourceId: key.id, summary: { prefix: key.prefix } });
        // Runners cache key lookups briefly; tell them now so revocation takes effect at once.
        await publishKeyRevocation(key.hash);
      }
      return { ok: true };
    }),
});
