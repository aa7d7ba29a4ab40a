"use client";
import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal on the native <dialog> (focus trap, Escape to cancel, inert background). Render it only
 * while open; it opens itself on mount and closes on unmount. Escape calls `onCancel` unless `busy`.
 * With `dismissible`, a backdrop click cancels too, the first field (not a [data-close] button) gets
 * focus, and focus returns to where it was when the modal closes.
 */
function Modal({
  labelledBy,
  onCancel,
  busy = false,
  dismissible = false,
  className,
  children,
}: {
  labelledBy: string;
  onCancel: () => void;
  busy?: boolean;
  dismissible?: boolean;
  className: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const dismissibleOnMount = useRef(dismissible);
  useEffect(() => {
    const dialog = ref.current;
    const manageFocus = dismissibleOnMount.current;
    const previous = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    if (manageFocus) dialog?.querySelector<HTMLElement>("input, textarea, select, button:not([data-close])")?.focus();
    return () => {
      dialog?.close();
      if (manageFocus) previous?.focus?.();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
      onMouseDown={dismissible ? (e) => e.target === e.currentTarget && onCancel() : undefined}
      className={`w-full p-0 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:text-slate-100 ${className}`}
    >
      {children}
    </dialog>
  );
}

/** A modal dialog: labelled, closes on Escape and backdrop click, focuses its first field. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const titleId = useId();
  return (
    <Modal
      labelledBy={titleId}
      onCancel={onClose}
      dismissible
      className={`card mx-auto mt-[10vh] mb-auto backdrop:backdrop-blur-sm ${wide ? "max-w-2xl" : "max-w-md"}`}
    >
      <div className="p-6">
        <div className="mb-4 flex items-start justify-between gap-4">
          <h2 id={titleId} className="text-lg font-semibold">
            {title}
          </h2>
          <button type="button" data-close className="btn-ghost -mt-1 -mr-2 px-2" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </div>
        {children}
      </div>
    </Modal>
  );
}

/** A modal confirmation: a title, an explanation, Cancel and one confirm button. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = "danger",
  pending = false,
  confirmDisabled = false,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  tone?: "danger" | "primary";
  pending?: boolean;
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const titleId = useId();
  return (
    <Modal
      labelledBy={titleId}
      onCancel={onCancel}
      busy={pending}
      className="m-auto max-w-md rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
    >
      <form
        method="dialog"
        className="space-y-4 p-6"
        onSubmit={(e) => {
          e.preventDefault();
          if (!confirmDisabled && !pending) onConfirm();
        }}
      >
        <h2 id={titleId} className="text-base font-semibold">
          {title}
        </h2>
        {children && <div className="space-y-3 text-sm text-slate-600 dark:text-slate-300">{children}</div>}
        <div className="flex justify-end gap-2 pt-2">
          <button type="button" className="btn-secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
          <button
            type="submit"
            className={tone === "danger" ? "btn-danger" : "btn-primary"}
            disabled={confirmDisabled || pending}
          >
            {pending ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
