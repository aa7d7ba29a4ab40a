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

/** Prisma's unique-constraint violation (P2002): the unique index settled a race between two writes. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}
