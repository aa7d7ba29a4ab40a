"use client";
import { useState } from "react";

/** Pretty-printed JSON, collapsed to one line until opened, with a copy button. */
export function JsonView({ value, defaultOpen = false }: { value: unknown; defaultOpen?: boolean }) {
  const [open, setOpen] = useState(defaultOpen);
  const [copied, setCopied] = useState(false);
  const pretty = JSON.stringify(value, null, 2) ?? "undefined";
  const copy = async () => {
    await navigator.clipboard?.writeText(pretty).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1200);
  };
  return (
    <div className="group relative min-w-0">
      <div className="absolute right-1 top-1 flex gap-1">
        <button
          type="button"
          className="btn-ghost px-2 py-0.5 text-xs"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
        >
          {open ? "Collapse" : "Expand"}
        </button>
        <button
          type="button"
          className="btn-ghost px-2 py-0.5 text-xs"
          onClick={() => void copy()}
          aria-label="Copy JSON"
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre
        className={`overflow-x-auto rounded-md bg-slate-50 p-2 pr-28 font-mono text-xs dark:bg-slate-900 ${open ? "whitespace-pre" : "truncate whitespace-nowrap"}`}
        data-testid="json-view"
      >
        {open ? pretty : JSON.stringify(value)}
      </pre>
    </div>
  );
}
