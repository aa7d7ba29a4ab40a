"use client";
import type { QueryFilters, UseMutationOptions } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { fieldError } from "./errors";
import { NameField } from "./FormParts";
import { RequireScope } from "./NeedRole";
import { QueryState } from "./QueryTable";
import { ConfirmRowAction, RelativeTime, SettingsList } from "./RowParts";
import { EmptyState, SettingsCard } from "./SettingsCard";
import { useRowAction } from "./settings-mutations";

// The shell of the pages listing a workspace's connections to other systems (Kafka connections,
// schema registries): each page declares its own fields, summary and test; the rest is here.

/**
 * How a page calls its connections: `plural` in labels ("Loading schema registries", "No schema
 * registries"), `one` in messages ("Deleted schema registry X."), `short` on buttons ("Add registry").
 */
export type ConnectionNoun = { plural: string; one: string; short: string };

/** A connections page for the roles that may list connections; `canManage`: add, test and delete them too. */
export function ConnectionsTab({
  workspaceId,
  noun,
  children,
}: {
  workspaceId: string;
  noun: ConnectionNoun;
  children: (canManage: boolean) => ReactNode;
}) {
  return (
    <RequireScope
      workspaceId={workspaceId}
      read="connection:read"
      manage="connection:manage"
      action={`view ${noun.plural}`}
      loading={{ rows: 3, label: `Loading ${noun.plural}` }}
    >
      {children}
    </RequireScope>
  );
}

/** What the server lists of every connection: never its credentials, only their masked hint. */
type ListedConnection = {
  id: string;
  name: string;
  credentialsHint: string | null;
  updatedAt: Date;
  createdBy: { name: string };
};

/**
 * A connections page: the page's "Add" form for managers, then the list card, one row per connection
 * with its summary, who made it, its credentials' hint and, for managers, the page's own actions and
 * Delete (asked first; the server refuses while a running pipeline uses the connection).
 */
export function ConnectionSettings<Row extends ListedConnection, TData, TError, TVariables, TContext>({
  noun,
  canManage,
  form,
  title,
  description,
  query,
  empty,
  testIds,
  hintLabel,
  summary,
  note,
  actions,
  below,
  remove,
}: {
  noun: ConnectionNoun;
  canManage: boolean;
  form: ReactNode;
  title: string;
  description: string;
  query: { isLoading: boolean; error: unknown; data: readonly Row[] | undefined };
  /** The empty list's test id, and what it tells managers and everyone else. */
  empty: { testId: string; manage: string; read: string };
  testIds: { list: string; row: string };
  /** The accessible name of the credentials' hint ("Credentials hidden"). */
  hintLabel: string;
  /** The connection's settings in one line (brokers, URL). */
  summary: (row: Row) => ReactNode;
  /** Under the row's details (a test's one-line answer). */
  note?: (row: Row) => ReactNode;
  /** Managers' buttons before Delete. */
  actions?: (row: Row) => ReactNode;
  /** Across the row's full width below it (a test's result). */
  below?: (row: Row) => ReactNode;
  /** The delete mutation (a tRPC `mutationOptions()`), its input for a row, and the list it changes. */
  remove: {
    options: UseMutationOptions<TData, TError, TVariables, TContext>;
    variables: (row: Row) => TVariables;
    list: QueryFilters;
  };
}) {
  const deletion = useRowAction(remove.options, {
    variables: remove.variables,
    done: (row: Row | null) => `Deleted ${noun.one} ${row?.name ?? ""}.`,
    list: remove.list,
  });
  return (
    <>
      {canManage && form}
      <SettingsCard title={title} description={description}>
        <QueryState
          query={query}
          items={query.data}
          loading={{ rows: 2, label: `Loading ${noun.plural}` }}
          empty={
            <EmptyState title={`No ${noun.plural}`} testId={empty.testId}>
              {canManage ? empty.manage : empty.read}
            </EmptyState>
          }
        >
          {(list) => (
            <SettingsList testId={testIds.list}>
              {list.map((row) => {
                const extra = below?.(row);
                return (
                  <li key={row.id} className="flex flex-wrap items-center gap-3 py-3" data-testid={testIds.row}>
                    <div className="min-w-0 flex-1">
                      <div className="truncate text-sm font-medium">{row.name}</div>
                      <div className="truncate font-mono text-xs text-slate-500 dark:text-slate-400">
                        {summary(row)}
                      </div>
                      <div className="text-xs text-slate-500 dark:text-slate-400">
                        Created by {row.createdBy.name} · updated <RelativeTime at={row.updatedAt} />
                      </div>
                      {note?.(row)}
                    </div>
                    {row.credentialsHint && (
                      <span className="font-mono text-sm text-slate-500 dark:text-slate-400" aria-label={hintLabel}>
                        {row.credentialsHint}
                      </span>
                    )}
                    {canManage && actions?.(row)}
                    {canManage && (
                      <button
                        type="button"
                        className="btn-ghost text-red-600 dark:text-red-400"
                        onClick={() => deletion.ask(row)}
                        aria-label={`Delete ${row.name}`}
                      >
                        Delete
                      </button>
                    )}
                    {extra && <div className="basis-full">{extra}</div>}
                  </li>
                );
              })}
            </SettingsList>
          )}
        </QueryState>
      </SettingsCard>
      <ConfirmRowAction action={deletion} verb="Delete" confirmLabel={`Delete ${noun.short}`}>
        {() => (
          <p>
            Pipelines whose nodes use this {noun.short} can no longer be published or deployed until they pick another.
          </p>
        )}
      </ConfirmRowAction>
    </>
  );
}

/**
 * The "Add a …" card of a connections page: a form named by `title` with the Name field, the page's own
 * fields (`children`), the submit button, the page's other `buttons`, and what they found (`result`).
 * Submitting needs a name and `complete`.
 */
export function ConnectionForm({
  noun,
  title,
  description,
  name,
  onName,
  namePlaceholder,
  mutation,
  complete,
  onSubmit,
  buttons,
  result,
  children,
}: {
  noun: ConnectionNoun;
  title: string;
  description: string;
  name: string;
  onName: (name: string) => void;
  namePlaceholder: string;
  /** The create mutation: whether it is under way, and the server's refusal (shown on the Name field). */
  mutation: { isPending: boolean; error: unknown };
  complete: boolean;
  onSubmit: () => void;
  buttons?: ReactNode;
  result?: ReactNode;
  children: ReactNode;
}) {
  return (
    <SettingsCard title={title} description={description}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
        className="grid gap-3 sm:grid-cols-2"
        aria-label={title}
      >
        <NameField
          value={name}
          onChange={onName}
          placeholder={namePlaceholder}
          error={fieldError(mutation.error, "name")}
        />
        {children}
        <div className="flex flex-wrap gap-2 sm:col-span-2">
          <button
            type="submit"
            className="btn-primary"
            disabled={mutation.isPending || name.trim() === "" || !complete}
          >
            {mutation.isPending ? "Saving…" : `Add ${noun.short}`}
          </button>
          {buttons}
        </div>
        {result && <div className="sm:col-span-2">{result}</div>}
      </form>
    </SettingsCard>
  );
}
