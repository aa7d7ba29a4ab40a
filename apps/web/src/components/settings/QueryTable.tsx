import type { ReactNode } from "react";
import { errorMessage } from "./errors";
import { ListSkeleton } from "./SettingsCard";

/** The parts of a TanStack query result (plain or infinite) that decide what a list shows. */
type QueryStatus = { isLoading: boolean; error: unknown };

/**
 * Loading skeleton, error alert, empty state or the content, in that order, for a list fed by one query.
 * Without `empty`, an empty list still renders `children`.
 */
export function QueryState<T>({
  query,
  items,
  loading,
  empty,
  children,
}: {
  query: QueryStatus;
  items: readonly T[] | undefined;
  loading: { rows: number; label: string };
  empty?: ReactNode;
  children: (items: readonly T[]) => ReactNode;
}) {
  if (query.isLoading) return <ListSkeleton rows={loading.rows} label={loading.label} />;
  if (query.error) {
    return (
      <p role="alert" className="text-sm text-red-600 dark:text-red-400">
        {errorMessage(query.error)}
      </p>
    );
  }
  if (empty !== undefined && !items?.length) return <>{empty}</>;
  return <>{children(items ?? [])}</>;
}

/**
 * A full-bleed table inside a SettingsCard. The first column and the optional sr-only "Actions" column
 * line up with the card's padding; `edgeLast` does the same for the last labelled column.
 */
export function SettingsTable({
  testId,
  columns,
  actions = false,
  edgeLast = false,
  fillCard = true,
  children,
}: {
  testId: string;
  columns: readonly string[];
  actions?: boolean;
  edgeLast?: boolean;
  /** Bleed into the card's vertical padding too (the table is the card's only content). */
  fillCard?: boolean;
  children: ReactNode;
}) {
  return (
    <div className={fillCard ? "-mx-5 -my-4 overflow-x-auto" : "-mx-5 overflow-x-auto"}>
      <table className="w-full text-left text-sm" data-testid={testId}>
        <thead
          className={`${fillCard ? "border-b" : "border-y"} border-slate-200 text-xs text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400`}
        >
          <tr>
            {columns.map((label, i) => (
              <th
                key={label}
                scope="col"
                className={`${i === 0 || (edgeLast && i === columns.length - 1) ? "px-5" : "px-3"} py-2 font-medium`}
              >
                {label}
              </th>
            ))}
            {actions && (
              <th scope="col" className="px-5 py-2">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">{children}</tbody>
      </table>
    </div>
  );
}

/** QueryState around a SettingsTable: one row per item from `renderRow`, `footer` after the table. */
export function QueryTable<T>({
  query,
  items,
  loading,
  empty,
  renderRow,
  footer,
  ...table
}: {
  query: QueryStatus;
  items: readonly T[] | undefined;
  loading: { rows: number; label: string };
  empty: ReactNode;
  renderRow: (item: T) => ReactNode;
  footer?: ReactNode;
} & Omit<Parameters<typeof SettingsTable>[0], "children">) {
  return (
    <QueryState query={query} items={items} loading={loading} empty={empty}>
      {(rows) => (
        <>
          <SettingsTable {...table}>{rows.map(renderRow)}</SettingsTable>
          {footer}
        </>
      )}
    </QueryState>
  );
}
