"use client";
import type { ReactNode } from "react";
import { SettingsNav } from "./SettingsNav";
import { useWorkspaceAccess } from "./use-workspace-access";

/** Title, sub-navigation and the current tab; a workspace the caller can't see is "not found". */
export function SettingsFrame({ workspaceId, children }: { workspaceId: string; children: ReactNode }) {
  const { workspace, error } = useWorkspaceAccess(workspaceId);
  if (error) {
    return (
      <div className="mx-auto max-w-5xl p-8">
        <div className="card p-8 text-center" role="alert">
          <h1 className="text-lg font-semibold">Workspace not found</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">It does not exist or you are not a member.</p>
        </div>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-8">
      <div className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="h-5 text-sm text-slate-500 dark:text-slate-400">{workspace?.name ?? ""}</p>
      </div>
      <div className="grid gap-6 md:grid-cols-[12rem_minmax(0,1fr)]">
        <SettingsNav workspaceId={workspaceId} />
        <div className="min-w-0 space-y-6">{children}</div>
      </div>
    </div>
  );
}
