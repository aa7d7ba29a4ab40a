import "server-only";
import { sealSecret, secretHint } from "@sluice/db";
import { env } from "../../env";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { maskedSecretSelect } from "./secret-view";

/** Replaces a secret's value (the old one is not retrievable); NotFoundError outside the workspace. */
export async function rotateSecret(ctx: ServiceContext, input: { secretId: string; value: string }) {
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
    select: maskedSecretSelect,
  });
  await ctx.audit({
    action: "secret.update",
    resourceType: "secret",
    resourceId: s.id,
    summary: { name: updated.name },
  });
  return updated;
}
