import "server-only";
import { z } from "zod";
import { issueToken } from "@sluice/db";
import { router, scopedProcedure } from "../trpc/init";
import { publishKeyRevocation } from "../key-revocation";
import { InvalidInputError, NotFoundError } from "../errors";

/** Exact web origins (scheme, host, port), as browsers send them in the Origin header. */
const AllowedOrigins = z
  .array(
    z
      .string()
      .trim()
      .max(200)
      .transform((value, ctx) => {
        const origin = parseOrigin(value);
        if (!origin)
          ctx.addIssue({ code: "custom", message: `"${value}" is not an origin like https://shop.example.com` });
        return origin ?? value;
      }),
  )
  .max(20);

function parseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    if (url.pathname !== "/" || url.search || url.hash || url.username || value.endsWith("/")) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export const apiKeyRouter = router({
  list: scopedProcedure("apikey:read").query(({ ctx }) =>
    ctx.prisma.apiKey.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: {
        id: true,
        name: true,
        prefix: true,
        pipelineId: true,
        scope: true,
        publishable: true,
        allowedOrigins: true,
        createdAt: true,
        lastUsedAt: true,
        revokedAt: true,
        createdBy: { select: { name: true } },
      },
      orderBy: { createdAt: "desc" },
    }),
  ),

  /** Returns the key once; only its SHA-256 hash is stored. An ingest key sends events, a read key reads views; neither does the other. */
  create: scopedProcedure("apikey:manage")
    .input(
      z
        .object({
          name: z.string().trim().min(1).max(80),
          pipelineId: z.string().min(1).max(64).optional(),
          scope: z.enum(["ingest", "read"]).default("ingest"),
          publishable: z.boolean().default(false),
          allowedOrigins: AllowedOrigins.default([]),
        })
        .refine((k) => k.scope === "ingest" || !k.publishable, {
          message: "Read keys are server keys and cannot be publishable.",
          path: ["publishable"],
        })
        .refine((k) => !k.publishable || k.allowedOrigins.length > 0, {
          message: "A publishable key needs at least one allowed origin.",
          path: ["allowedOrigins"],
        })
        .refine((k) => k.publishable || k.allowedOrigins.length === 0, {
          message: "Only publishable keys have allowed origins.",
          path: ["allowedOrigins"],
        }),
    )
    .mutation(async ({ ctx, input }) => {
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
    }),

  /** Changes where a publishable key may be used from; runners pick it up within their key cache time. */
  setAllowedOrigins: scopedProcedure("apikey:manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64), allowedOrigins: AllowedOrigins.min(1) }))
    .mutation(async ({ ctx, input }) => {
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
      return { ok: true };
    }),

  revoke: scopedProcedure("apikey:manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const key = await ctx.prisma.apiKey.findFirst({ where: { id: input.apiKeyId, workspaceId: ctx.workspace.id } });
      if (!key) throw new NotFoundError("API key not found.");
      if (!key.revokedAt) {
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
      return { ok: true };
    }),
});
