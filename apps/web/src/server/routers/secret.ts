import "server-only";
import { z } from "zod";
import { sealSecret, secretHint } from "@sluice/db";
import { env } from "../env";
import { router, scopedProcedure } from "../trpc/init";
import { ConflictError, NotFoundError } from "../errors";

const SecretName = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_.-]+$/, "Letters, digits, '_', '.' and '-' only");
const SecretValue = z.string().min(1).max(8192);
function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}

const masked = {
  id: true,
  name: true,
  hint: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;

/** Secrets go in encrypted and never come back out to the browser: only name and masked hint. */
export const secretRouter = router({
  list: scopedProcedure("secret:read").query(({ ctx }) =>
    ctx.prisma.secret.findMany({ where: { workspaceId: ctx.workspace.id }, select: masked, orderBy: { name: "asc" } }),
  ),

  create: scopedProcedure("secret:manage")
    .input(z.object({ name: SecretName, value: SecretValue }))
    .mutation(async ({ ctx, input }) => {
      const conflict = () => new ConflictError(`A secret named ${input.name} already exists.`);
      const exists = await ctx.prisma.secret.findFirst({
        where: { workspaceId: ctx.workspace.id, name: input.name },
        select: { id: true },
      });
      if (exists) throw conflict();
      // The unique (workspace, name) index settles a race between two creates.
      return ctx.prisma
        .$transaction(async (tx) => {
          const s = await tx.secret.create({
            data: {
              workspaceId: ctx.workspace.id,
              name: input.name,
              ciphertext: sealSecret(input.value, env().SLUICE_SECRET_KEY, ctx.workspace.id),
              hint: secretHint(input.value),
              createdById: ctx.user.id,
            },
            select: masked,
          });
          await ctx.audit(
            { action: "secret.create", resourceType: "secret", resourceId: s.id, summary: { name: s.name } },
            tx,
          );
          return s;
        })
        .catch((e: unknown) => {
          throw isUniqueViolation(e) ? conflict() : e;
        });
    }),

  /** Replaces the value (rotation). The old value is not retrievable. */
  update: scopedProcedure("secret:manage")
    .input(z.object({ secretId: z.string().min(1).max(64), value: SecretValue }))
    .mutation(async ({ ctx, input }) => {
      const s = await ctx.prisma.secret.findFirst({
        where: { id: input.secretId, workspaceId: ctx.workspace.id },
        select: { id: true },
      });
      if (!s) throw new NotFoundError("Secret not found.");
      const updated = await ctx.prisma.secret.update({
        where: { id: s.id },
        data: {
          ciphertext: sealSecret(input.value, env().SLUICE_SECRET_KEY, ctx.workspace.id),
          hint: secretHint(input.value),
        },
        select: masked,
      });
      await ctx.audit({
        action: "secret.update",
        resourceType: "secret",
        resourceId: s.id,
        summary: { name: updated.name },
      });
      return updated;
    }),

  delete: scopedProcedure("secret:manage")
    .input(z.object({ secretId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const s = await ctx.prisma.secret.findFirst({
        where: { id: input.secretId, workspaceId: ctx.workspace.id },
        select: { id: true, name: true },
      });
      if (!s) throw new NotFoundError("Secret not found.");
      await ctx.prisma.secret.delete({ where: { id: s.id } });
      await ctx.audit({ action: "secret.delete", resourceType: "secret", resourceId: s.id, summary: { name: s.name } });
      return { ok: true };
    }),
});
