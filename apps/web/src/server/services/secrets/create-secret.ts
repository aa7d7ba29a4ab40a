import "server-only";
import { sealSecret, secretHint } from "@sluice/db";
import { env } from "../../env";
import { ConflictError } from "../../errors";
import type { ServiceContext } from "../context";
import { isUniqueViolation } from "../unique-violation";
import { maskedSecretSelect } from "./secret-view";

/** Stores a new secret sealed with the workspace's key; ConflictError when the name is taken. */
export async function createSecret(ctx: ServiceContext, input: { name: string; value: string }) {
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
        select: maskedSecretSelect,
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
}
