import "server-only";

/** Prisma's unique-constraint violation (P2002): the unique index settled a race between two writes. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}
