import type { ReactNode } from "react";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { formatDateTime, formatRelative } from "./format";
import type { RowAction } from "./settings-mutations";

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

/** The dialog confirming a row action ("Delete <name>?", "Revoke <name>?"); nothing while none is asked. */
export function ConfirmRowAction<Row extends { name: string }>({
  action,
  verb,
  confirmLabel,
  children,
}: {
  action: RowAction<Row>;
  verb: string;
  confirmLabel: string;
  children: (row: Row) => ReactNode;
}) {
  if (!action.row) return null;
  return (
    <ConfirmDialog
      title={`${verb} ${action.row.name}?`}
      confirmLabel={confirmLabel}
      pending={action.pending}
      onCancel={action.cancel}
      onConfirm={action.confirm}
    >
      {children(action.row)}
    </ConfirmDialog>
  );
}
