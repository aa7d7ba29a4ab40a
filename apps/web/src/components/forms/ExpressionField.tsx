"use client";
import { useMemo, type ReactNode } from "react";
import { compileExpression, type ExpressionKind } from "@sluice/shared";

const TOKEN =
  /("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)|(\b\d+(?:\.\d+)?\b)|(\b(?:true|false|null|in)\b)|(\b(?:event|now)\b)|(&&|\|\||==|!=|<=|>=|[<>!?:+\-*/%])/g;
const TOKEN_CLASS = [
  "",
  "text-emerald-600 dark:text-emerald-400",
  "text-amber-600 dark:text-amber-400",
  "text-violet-600 dark:text-violet-400 font-semibold",
  "text-brand-600 dark:text-brand-400",
  "text-slate-500",
];

/** Splits CEL source into coloured spans; the overlay sits exactly under a transparent textarea. */
function highlight(source: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const index = match.index;
    if (index > last) out.push(source.slice(last, index));
    const group = match.findIndex((g, i) => i > 0 && g !== undefined);
    out.push(
      <span key={index} className={TOKEN_CLASS[group]}>
        {match[0]}
      </span>,
    );
    last = index + match[0].length;
  }
  out.push(source.slice(last) + "\n");
  return out;
}

/** Grows with the expression (wrapped lines included) so the highlight overlay never needs scrolling. */
function visualRows(value: string): number {
  const lines = value.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 42)), 0);
  return Math.min(12, Math.max(2, lines));
}

const KIND_HINT: Record<ExpressionKind, string> = {
  predicate: "CEL condition on `event`, must be true or false.",
  value: "CEL expression on `event`, any JSON value.",
  key: "CEL expression on `event`, turned into a string key.",
};

/** A monospace CEL editor with token highlighting and a live compile error with line and column. */
export function ExpressionField({
  id,
  value,
  kind,
  placeholder,
  disabled,
  describedBy,
  onChange,
}: {
  id: string;
  value: string;
  kind: ExpressionKind;
  placeholder?: string;
  disabled?: boolean;
  describedBy?: string;
  onChange: (value: string) => void;
}) {
  const result = useMemo(() => (value.trim() === "" ? null : compileExpression(value, { kind })), [value, kind]);
  const error = result && !result.ok ? result.error : null;
  const shared = "m-0 min-h-[3.25rem] w-full whitespace-pre-wrap break-words px-3 py-2 font-mono text-[13px] leading-5";
  return (
    <div>
      <div
        className={`relative rounded-md border bg-white shadow-sm focus-within:ring-2 dark:bg-slate-950 ${
          error
            ? "border-red-500 focus-within:ring-red-500/30"
            : "border-slate-300 focus-within:border-brand-500 focus-within:ring-brand-500/30 dark:border-slate-700"
        }`}
      >
        <pre
          aria-hidden="true"
          className={`${shared} pointer-events-none absolute inset-0 overflow-hidden text-slate-800 dark:text-slate-200`}
        >
          {highlight(value)}
        </pre>
        <textarea
          id={id}
          spellCheck={false}
          rows={visualRows(value)}
          value={value}
          placeholder={placeholder}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={[describedBy, `${id}-cel`].filter(Boolean).join(" ")}
          onChange={(e) => onChange(e.target.value)}
          className={`${shared} relative block resize-y bg-transparent text-transparent caret-slate-900 placeholder:text-slate-400 focus:outline-none disabled:cursor-not-allowed dark:caret-slate-100`}
        />
      </div>
      <p
        id={`${id}-cel`}
        className={error ? "field-error font-mono" : "mt-1 text-xs text-slate-500 dark:text-slate-400"}
        role={error ? "alert" : undefined}
        data-testid={error ? "expression-error" : undefined}
      >
        {error
          ? `Line ${error.position.line}, column ${error.position.column}: ${error.message}`
          : result?.ok
            ? `✓ Valid · reads ${result.fields.length ? result.fields.join(", ") : "no fields"}`
            : KIND_HINT[kind]}
      </p>
    </div>
  );
}
