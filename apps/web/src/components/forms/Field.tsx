"use client";

import { useId, type ReactNode } from "react";

/** Props a form control gets from its `Field`: its id and the accessible links to the error or help text. */
export type FieldControl = { id: string; "aria-invalid"?: true; "aria-describedby"?: string };

/**
 * One labelled form control with either its error (announced, linked by aria-describedby) or its help
 * text below it. The control itself comes from `children`, which receives the props to spread on it.
 */
export function Field({
  label,
  error,
  help,
  className,
  children,
}: {
  label: ReactNode;
  error?: string | null | undefined;
  help?: ReactNode;
  className?: string;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = useId();
  const describedBy = error ? `${id}-error` : help ? `${id}-help` : undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children({
        id,
        ...(error ? { "aria-invalid": true as const } : {}),
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
      })}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : help ? (
        <p id={`${id}-help`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {help}
        </p>
      ) : null}
    </div>
  );
}
