"use client";
import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import type { KnownCredentials } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

/**
 * The workspace's secret and API-key ids for validateGraph, so a placeholder or deleted credential is a
 * problem on its node while editing. Undefined (check skipped; publish still checks) for roles that
 * cannot list both.
 */
export function useKnownCredentials(workspaceId: string, scopes: ReadonlySet<string>): KnownCredentials | undefined {
  const trpc = useTRPC();
  const enabled = scopes.has("secret:read") && scopes.has("apikey:read");
  const secrets = useQuery({ ...trpc.secret.list.queryOptions({ workspaceId }), enabled });
  const keys = useQuery({ ...trpc.apiKey.list.queryOptions({ workspaceId }), enabled });
  return useMemo(
    () =>
      secrets.data && keys.data
        ? {
            secretIds: new Set(secrets.data.map((s) => s.id)),
            apiKeyIds: new Set(keys.data.filter((k) => !k.revokedAt && k.scope === "ingest").map((k) => k.id)),
          }
        : undefined,
    [secrets.data, keys.data],
  );
}
