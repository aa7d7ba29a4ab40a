"use client";
import { useId, useRef, useState, type ReactNode } from "react";
import { useToast } from "@/components/Toaster";

/**
 * A credential or link the server returns exactly once: shown read-only with a copy button and a
 * warning, until the user dismisses it. Nothing here is ever stored client-side.
 */
export function CopyOnce({
  label,
  value,
  children,
  onDone,
}: {
  label: string;
  value: string;
  children?: ReactNode;
  onDone: () => void;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const { toast } = useToast();

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      toast("Copied to the clipboard.", "success");
    } catch {
      input.current?.select();
      toast("Could not reach the clipboard. The text is selected: copy it with your keyboard.", "error");
    }
  }

  return (
    <div
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-800 dark:bg-amber-950/40"
      data-testid="copy-once"
    >
      <label htmlFor={id} className="label">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          ref={input}
          id={id}
          className="input font-mono text-xs"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <button type="button" className="btn-secondary shrink-0" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <div className="mt-2 text-sm text-amber-900 dark:text-amber-200">{children}</div>
      <div className="mt-3 flex justify-end">
        <button type="button" className="btn-ghost" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
