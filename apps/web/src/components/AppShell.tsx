"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { authClient } from "@/lib/auth-client";
import { pendingSavesSettled } from "@/lib/pending-saves";
import { Logo } from "./Logo";
import { AlertBell } from "./monitoring/alerts";
import { ThemeToggle } from "./ThemeToggle";

export function AppShell({ workspaceId, children }: { workspaceId?: string; children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const me = useQuery(trpc.me.queryOptions());
  const workspaces = useQuery(trpc.workspace.list.queryOptions());
  const current = workspaces.data?.find((w) => w.id === workspaceId);
  // Until the list has it (first load, a list cached before the workspace existed), name the workspace
  // from its own query, which the page's content shares.
  const shown = useQuery({
    ...trpc.workspace.get.queryOptions({ workspaceId: workspaceId ?? "" }),
    enabled: workspaceId !== undefined && !current,
  });

  async function signOut() {
    // A draft save sent while leaving the editor must land before the session ends.
    await pendingSavesSettled();
    await authClient.signOut();
    router.push("/sign-in");
    router.refresh();
  }

  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex min-h-14 flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900">
        <Link href="/" aria-label="Sluice home">
          <Logo />
        </Link>
        <label className="sr-only" htmlFor="workspace-switcher">
          Workspace
        </label>
        <select
          id="workspace-switcher"
          className="input w-44 sm:w-56"
          value={workspaceId ?? ""}
          onChange={(e) =>
            e.target.value === "__new"
              ? router.push("/onboarding")
              : router.push(switchTarget(pathname, workspaceId, e.target.value))
          }
        >
          {!workspaceId && <option value="">Select a workspace</option>}
          {workspaceId && !current && (
            <option value={workspaceId}>
              {shown.data
                ? `${shown.data.name} (${shown.data.role})`
                : shown.isError
                  ? "Select a workspace"
                  : "Loading workspace…"}
            </option>
          )}
          {workspaces.data?.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name} ({w.role})
            </option>
          ))}
          <option value="__new">+ New workspace</option>
        </select>
        {workspaceId && <WorkspaceNav workspaceId={workspaceId} pathname={pathname} />}
        <div className="ml-auto flex items-center gap-2">
          {workspaceId && current && <AlertBell workspaceId={workspaceId} />}
          <ThemeToggle />
          <Link
            href={workspaceId ? `/account?workspace=${encodeURIComponent(workspaceId)}` : "/account"}
            aria-current={pathname === "/account" ? "page" : undefined}
            className="rounded-md px-2 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100 dark:aria-[current=page]:text-slate-100"
            title="Your account and access tokens"
          >
            <span className="sr-only md:not-sr-only">
              <span className="sr-only">Account: </span>
              <span data-testid="user-email">{me.data?.email}</span>
            </span>
            <span aria-hidden="true" className="md:hidden">
              Account
            </span>
          </Link>
          <button type="button" className="btn-secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="flex-1">{children}</main>
    </div>
  );
}

/** Top-level sections of the current workspace. */
function WorkspaceNav({ workspaceId, pathname }: { workspaceId: string; pathname: string }) {
  const base = `/w/${workspaceId}`;
  const inSettings = pathname === `${base}/settings` || pathname.startsWith(`${base}/settings/`);
  const inMonitor = pathname === `${base}/monitor`;
  const items = [
    {
      href: base,
      label: "Pipelines",
      active: !inSettings && !inMonitor && (pathname === base || pathname.startsWith(`${base}/`)),
    },
    { href: `${base}/monitor`, label: "Health", active: inMonitor },
    { href: `${base}/settings`, label: "Settings", active: inSettings },
  ];
  return (
    <nav aria-label="Workspace" className="flex items-center gap-1">
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={item.active ? "page" : undefined}
          className={`rounded-md px-3 py-1.5 text-sm font-medium transition-colors ${
            item.active
              ? "bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100"
              : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100"
          }`}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

/** Switching workspace from a settings tab stays on that tab; anywhere else goes to the pipelines. */
function switchTarget(pathname: string, from: string | undefined, to: string): string {
  const settings = from ? `/w/${from}/settings` : null;
  if (settings && (pathname === settings || pathname.startsWith(`${settings}/`)))
    return `/w/${to}/settings${pathname.slice(settings.length)}`;
  return `/w/${to}`;
}
