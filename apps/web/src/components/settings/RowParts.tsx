import type { ReactNode } from "react";
import { formatDateTime, formatRelative } from "./format";

/** A relative time ("3 hours ago") with the full date and time on hover. */
export function RelativeTime({ at }: { at: Date }) {
  return (
    <time dateTime={at.toISOString()} title={formatDateTime(at)}>
      {formatRelative(at)}
    </time>
  );
}

/** "Last used" cell content: a relative time, or "Never". */
export function LastUsed({ at }: { at: Date | null }) {
  return at ? <RelativeTime at={at} /> : <span className="text-slate-400">Never</span>;
}

/** The divided list a settings card shows its items in. */
export function SettingsList({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <ul className="-my-2 divide-y divide-slate-200 dark:divide-slate-800" data-testid={testId}>
      {children}
    </ul>
  );
}

/** The red "Revoke" row action, named after what it revokes. */
export function RevokeButton({
  name,
  label = `Revoke ${name}`,
  onClick,
}: {
  name: string;
  label?: string;
  onClick: () => void;
}) {
  return (
    <button type="button" className="btn-ghost text-red-600 dark:text-red-400" onClick={onClick} aria-label={label}>
      Revoke
    </button>
  );
}
