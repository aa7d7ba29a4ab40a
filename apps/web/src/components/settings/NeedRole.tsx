"use client";
import type { ReactNode } from "react";
import type { Role, Scope } from "@sluice/shared";
import { withArticle } from "./format";
import { ListSkeleton } from "./SettingsCard";
import { minimumRole, useWorkspaceAccess } from "./use-workspace-access";

/**
 * A settings tab for the roles with `read`: a skeleton while the caller's role loads, NeedRole (saying
 * they cannot `action`) without the scope, else the content, told whether the role also has `manage`.
 */
export function RequireScope({
  workspaceId,
  read,
  manage,
  action,
  loading,
  children,
}: {
  workspaceId: string;
  read: Scope;
  manage: Scope;
  action: string;
  loading: { rows: number; label: string };
  children: (canManage: boolean) => ReactNode;
}) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={loading.rows} label={loading.label} />;
  if (!can(read)) return <NeedRole scope={read} action={action} role={role} />;
  return children(can(manage));
}

/**
 * Shown instead of a tab's content when the caller's role lacks the scope, so they learn what
 * they'd need rather than meeting an error.
 */
export function NeedRole({ scope, action, role }: { scope: Scope; action: string; role: Role | undefined }) {
  const needed = minimumRole(scope);
  const askWho = needed === "owner" ? "a workspace owner" : "a workspace admin or owner";
  return (
    <div className="card flex flex-col items-center gap-3 px-6 py-12 text-center" data-testid="need-role">
      <svg width="36" height="36" viewBox="0 0 24 24" aria-hidden="true" className="text-slate-400 dark:text-slate-500">
        <path
          fill="currentColor"
          d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 1 1 6 0v3H9Z"
        />
      </svg>
      <h2 className="text-base font-semibold">
        You need the {needed} role to {action}
      </h2>
      <p className="max-w-md text-sm text-slate-500 dark:text-slate-400">
        {role ? <>You are {withArticle(role)} in this workspace. </> : null}
        Ask {askWho} if you need access.
      </p>
    </div>
  );
}
