import "server-only";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc/init";
import { createSecret } from "../services/secrets/create-secret";
import { deleteSecret } from "../services/secrets/delete-secret";
import { listSecrets } from "../services/secrets/list-secrets";
import { rotateSecret } from "../services/secrets/rotate-secret";

const SecretName = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_.-]+$/, "Letters, digits, '_', '.' and '-' only");
const SecretValue = z.string().min(1).max(8192);
const SecretId = z.string().min(1).max(64);

/** Secrets go in encrypted and never come back out to the browser: only name and masked hint. */
export const secretRouter = router({
  list: scopedProcedure("secret:read").query(({ ctx }) => listSecrets(ctx)),

  create: scopedProcedure("secret:manage")
    .input(z.object({ name: SecretName, value: SecretValue }))
    .mutation(({ ctx, input }) => createSecret(ctx, input)),

  /** Replaces the value (rotation). The old value is not retrievable. */
  update: scopedProcedure("secret:manage")
    .input(z.object({ secretId: SecretId, value: SecretValue }))
    .mutation(({ ctx, input }) => rotateSecret(ctx, input)),

  delete: scopedProcedure("secret:manage")
    .input(z.object({ secretId: SecretId }))
    .mutation(async ({ ctx, input }) => {
      await deleteSecret(ctx, input);
      return { ok: true };
    }),
});
