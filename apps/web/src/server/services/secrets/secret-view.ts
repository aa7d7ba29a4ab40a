import "server-only";

/** What leaves the server of a secret: its name and masked hint, never the value or ciphertext. */
export const maskedSecretSelect = {
  id: true,
  name: true,
  hint: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;
