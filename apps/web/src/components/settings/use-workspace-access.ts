"use client";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { ROLES, roleHasScope, type Role, type Scope } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

/**
 * The caller's role and scopes in a workspace, from `workspace.get`. The UI hides or disables what
 * the role cannot do; the server checks again on every call, so this is about clarity, not security.
 */
export function useWorkspaceAccess(workspaceId: string) {
  const trpc = useTRPC();
  const query = useQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const scopes = useMemo(() => new Set<Scope>(query.data?.scopes ?? []), [query.data]);
  const can = useCallback((scope: Scope) => scopes.has(scope), [scopes]);
  return { workspace: query.data, role: query.data?.role, isLoading: query.isLoading, error: query.error, can };
}

/** The least powerful role that grants `scope` (roles are ordered viewer → owner). */
export function minimumRole(scope: Scope): Role {
  return ROLES.find((r) => roleHasScope(r, scope)) ?? "owner";
}
