import "server-only";
import { hashToken } from "@sluice/db";
import type { AuditDb } from "../../audit";
import { InvalidInputError, NotFoundError } from "../../errors";

/** Finds a usable invitation by its secret token (stored hashed, like every credential). */
export async function findOpenInvitation(prisma: AuditDb, token: string) {
  const inv = await prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { workspace: { select: { id: true, name: true } }, invitedBy: { select: { name: true, email: true } } },
  });
  if (!inv || inv.revokedAt) throw new NotFoundError("This invitation does not exist or was revoked.");
  if (inv.acceptedAt) throw new InvalidInputError("This invitation was already used.");
  if (inv.expiresAt < new Date()) throw new InvalidInputError("This invitation has expired. Ask for a new one.");
  return inv;
}
