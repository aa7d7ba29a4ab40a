import type { ReactNode } from "react";

/** One titled block of a settings tab. */
export function SettingsCard({
  title,
  description,
  children,
  actions,
  tone = "default",
  id,
}: {
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  tone?: "default" | "danger";
  id?: string;
}) {
  const border = tone === "danger" ? "border-red-300 dark:border-red-900" : "";
  return (
    <section className={`card ${border}`} aria-labelledby={id}>
      <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-5 py-4 dark:border-slate-800">
        <div>
          <h2
            id={id}
            className={`text-base font-semibold ${tone === "danger" ? "text-red-700 dark:text-red-400" : ""}`}
          >
            {title}
          </h2>
          {description && <p className="mt-0.5 text-sm text-slate-500 dark:text-slate-400">{description}</p>}
        </div>
        {actions}
      </header>
      {children && <div className="px-5 py-4">{children}</div>}
    </section>
  );
}

/** Placeholder rows while a list loads. */
export function ListSkeleton({ rows = 3, label }: { rows?: number; label: string }) {
  return (
    <div className="space-y-3" aria-busy="true" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton h-10" />
      ))}
    </div>
  );
}

/** A quiet "nothing here yet" message inside a card. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="flex flex-col items-center gap-1 px-4 py-8 text-center" data-testid={testId}>
      <p className="text-sm font-medium">{title}</p>
      {children && <p className="max-w-sm text-sm text-slate-500 dark:text-slate-400">{children}</p>}
    </div>
  );
}
