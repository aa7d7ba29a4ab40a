"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { authClient } from "@/lib/auth-client";
import { Logo } from "./Logo";
import { ThemeToggle } from "./ThemeToggle";

export function AppShell({ workspaceId, children }: { workspaceId?: string; children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.me.queryOptions());
  const workspaces = useQuery(trpc.workspace.list.queryOptions());
  const current = workspaces.data?.find((w) => w.id === workspaceId);

  async function signOut() {
    await authClient.signOut();
    router.push("/sign-in");
    router.refresh();
  }

  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex h-14 items-center gap-4 border-b border-slate-200 bg-white px-4 dark:border-slate-800 dark:bg-slate-900">
        <Link href="/" aria-label="Sluice home">
          <Logo />
        </Link>
        <label className="sr-only" htmlFor="workspace-switcher">
          Workspace
        </label>
        <select
          id="workspace-switcher"
          className="input w-56"
          value={workspaceId ?? ""}
          onChange={(e) => (e.target.value === "__new" ? router.push("/onboarding") : router.push(`/w/${e.target.value}`))}
        >
          {!current && <option value="">Select a workspace</option>}
          {workspaces.data?.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name} ({w.role})
            </option>
          ))}
          <option value="__new">+ New workspace</option>
        </select>
        <div className="ml-auto flex items-center gap-2">
          <ThemeToggle />
          <span className="text-sm text-slate-500 dark:text-slate-400" data-testid="user-email">
            {me.data?.email}
          </span>
          <button type="button" className="btn-secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="flex-1">{children}</main>
    </div>
  );
}
