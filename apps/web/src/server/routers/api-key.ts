import "server-only";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc/init";
import { createApiKey } from "../services/api-keys/create-api-key";
import { listApiKeys } from "../services/api-keys/list-api-keys";
import { revokeApiKey } from "../services/api-keys/revoke-api-key";
import { setApiKeyOrigins } from "../services/api-keys/set-api-key-origins";

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
  list: scopedProcedure("apikey:read").query(({ ctx }) => listApiKeys(ctx)),

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
    .mutation(({ ctx, input }) => createApiKey(ctx, input)),

  /** Changes where a publishable key may be used from; runners pick it up within their key cache time. */
  setAllowedOrigins: scopedProcedure("apikey:manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64), allowedOrigins: AllowedOrigins.min(1) }))
    .mutation(async ({ ctx, input }) => {
      await setApiKeyOrigins(ctx, input);
      return { ok: true };
    }),

  revoke: scopedProcedure("apikey:manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await revokeApiKey(ctx, input);
      return { ok: true };
    }),
});
