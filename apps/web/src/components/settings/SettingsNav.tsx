"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Scope } from "@sluice/shared";
import { useWorkspaceAccess } from "./use-workspace-access";

type Tab = { segment: string; label: string; scope: Scope };

const TABS: Tab[] = [
  { segment: "", label: "General", scope: "workspace:read" },
  { segment: "members", label: "Members", scope: "member:read" },
  { segment: "api-keys", label: "API keys", scope: "apikey:read" },
  { segment: "secrets", label: "Secrets", scope: "secret:read" },
  { segment: "kafka-connections", label: "Kafka connections", scope: "connection:read" },
  { segment: "schema-registries", label: "Schema registries", scope: "connection:read" },
  { segment: "audit", label: "Audit log", scope: "audit:read" },
];

/** Tabs as links, so each tab has a URL; a lock marks tabs the caller's role cannot open. */
export function SettingsNav({ workspaceId }: { workspaceId: string }) {
  const pathname = usePathname();
  const { can, isLoading } = useWorkspaceAccess(workspaceId);
  const base = `/w/${workspaceId}/settings`;
  return (
    <nav aria-label="Settings" className="-mx-1 flex gap-1 overflow-x-auto md:mx-0 md:flex-col">
      {TABS.map((tab) => {
        const href = tab.segment ? `${base}/${tab.segment}` : base;
        const active = pathname === href;
        const locked = !isLoading && !can(tab.scope);
        return (
          <Link
            key={tab.label}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`flex items-center justify-between gap-2 rounded-md px-3 py-1.5 text-sm whitespace-nowrap transition-colors ${
              active
                ? "bg-brand-50 font-medium text-brand-700 dark:bg-brand-900/30 dark:text-brand-200"
                : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100"
            }`}
          >
            {tab.label}
            {locked && (
              <svg
                width="12"
                height="12"
                viewBox="0 0 24 24"
                role="img"
                aria-label="Requires a higher role"
                className="text-slate-400"
              >
                <path
                  fill="currentColor"
                  d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 1 1 6 0v3H9Z"
                />
              </svg>
            )}
          </Link>
        );
      })}
    </nav>
  );
}
