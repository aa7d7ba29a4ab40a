import "server-only";
import { assignableRoles, type Role, roleHasScope } from "@sluice/shared";
import { ForbiddenError, InvalidInputError } from "../../errors";

/** Guards shared by role changes and removals: who may touch whom. */
export function assertMayManage(
  actorRole: Role,
  actorUserId: string,
  target: { role: Role; userId: string },
  newRole?: Role,
) {
  if (target.userId === actorUserId) throw new InvalidInputError("You cannot change your own membership here.");
  const touchesOwner = target.role === "owner" || newRole === "owner";
  if (touchesOwner && !roleHasScope(actorRole, "member:manage-owners")) {
    throw new ForbiddenError("Only owners can change owners.");
  }
  if (newRole && !assignableRoles(actorRole).includes(newRole)) {
    throw new ForbiddenError(`A ${actorRole} cannot grant the ${newRole} role.`);
  }
}
