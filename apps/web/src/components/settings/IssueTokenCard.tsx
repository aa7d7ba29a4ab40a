"use client";
import type { ReactNode } from "react";
import { CopyOnce } from "./CopyOnce";
import { fieldError } from "./errors";
import { NameField } from "./FormParts";
import { SettingsCard } from "./SettingsCard";

/** A token the server just issued: shown this once, under `label`, with `note` saying what it is for. */
type IssuedToken = { label: string; token: string; note: ReactNode };

/**
 * The card creating an API key or a personal access token: a form named `formLabel` with the Name
 * field, the page's own fields (`children`) and the submit button; then the issued token, shown once
 * until Done. Only the token's hash is kept on the server, so it is never shown again. Submitting
 * needs a name and `complete`; `unavailable` takes the form's place (e.g. while what it needs loads).
 */
export function IssueTokenCard({
  title,
  description,
  formLabel,
  columns,
  nameLabel,
  namePlaceholder,
  name,
  onName,
  mutation,
  complete,
  submitLabel,
  onSubmit,
  issued,
  onDone,
  unavailable,
  children,
}: {
  title: string;
  description: string;
  formLabel: string;
  /** The form's grid columns from the `sm` breakpoint (name first, submit last). */
  columns: string;
  nameLabel: string;
  namePlaceholder: string;
  name: string;
  onName: (name: string) => void;
  /** The create mutation: whether it is under way, and the server's refusal (shown on the Name field). */
  mutation: { isPending: boolean; error: unknown };
  complete: boolean;
  submitLabel: string;
  onSubmit: () => void;
  issued: IssuedToken | null;
  onDone: () => void;
  unavailable?: ReactNode;
  children: ReactNode;
}) {
  return (
    <SettingsCard title={title} description={description}>
      {unavailable || (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
          className={`grid gap-3 ${columns} sm:items-start`}
          aria-label={formLabel}
        >
          <NameField
            label={nameLabel}
            value={name}
            onChange={onName}
            placeholder={namePlaceholder}
            error={fieldError(mutation.error, "name")}
          />
          {children}
          <div className="sm:pt-6">
            <button
              type="submit"
              className="btn-primary w-full"
              disabled={mutation.isPending || name.trim() === "" || !complete}
            >
              {mutation.isPending ? "Creating…" : submitLabel}
            </button>
          </div>
        </form>
      )}
      {issued && (
        <div className="mt-4">
          <CopyOnce label={issued.label} value={issued.token} onDone={onDone}>
            {issued.note}
          </CopyOnce>
        </div>
      )}
    </SettingsCard>
  );
}
