/** Lucide-style strokes (24×24) for the icon names in the node registry; unknown names get a box. */
const PATHS: Record<string, string> = {
  "chart-bar": "M3 3v18h18M7 16v-5M12 16V7M17 16v-8",
  "copy-minus": "M8 8h12v12H8zM4 16V4h12M11 14h6",
  "database-plus":
    "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3M20 6v6M4 12c0 1.7 3.6 3 8 3M18 15v6M15 18h6",
  "eye-off":
    "M3 3l18 18M10.6 10.6a2 2 0 0 0 2.8 2.8M9.9 5.1A10 10 0 0 1 12 5c5 0 9 5 10 7a13 13 0 0 1-3 3.9M6.6 6.6C4.3 8 2.8 10.4 2 12c1 2 5 7 10 7a9.7 9.7 0 0 0 5.4-1.6",
  filter: "M3 4h18l-7 8.5V19l-4 2v-8.5z",
  kafka:
    "M12 3a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM12 17a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM5 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM19 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM12 7v10M7 12h10",
  key: "M15 7a4 4 0 1 1-3.9 5H3v3h3v3h3v-3h2.1A4 4 0 0 1 15 7zM16 11h.01",
  postgres:
    "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
  redis: "M3 8l9-4 9 4-9 4zM3 12l9 4 9-4M3 16l9 4 9-4",
  send: "M22 2 11 13M22 2l-7 20-4-9-9-4z",
  "shield-check": "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10zM9 12l2 2 4-4",
  sparkles:
    "M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9zM19 15l.9 2.1L22 18l-2.1.9L19 21l-.9-2.1L16 18l2.1-.9zM5 3l.6 1.4L7 5l-1.4.6L5 7l-.6-1.4L3 5l1.4-.6z",
  split: "M16 3h5v5M8 3H3v5M12 22v-8.3a4 4 0 0 0-1.2-2.8L3 3M21 3l-7.8 7.8",
  timer: "M10 2h4M12 14l3-3M12 22a8 8 0 1 0 0-16 8 8 0 0 0 0 16z",
  wand: "M15 4V2M15 16v-2M8 9h2M20 9h2M17.8 11.8 19 13M17.8 6.2 19 5M3 21l9-9M12.2 6.2 11 5",
  "webhook-in":
    "M18 16.98h-5.99c-1.1 0-1.95.94-2.48 1.9A4 4 0 0 1 2 17c.01-.7.2-1.4.57-2M6 17l3.13-5.78c.53-.97.1-2.18-.5-3.1a4 4 0 1 1 6.89-4.06M12 6l3.13 5.73C15.66 12.7 16.9 13 18 13a4 4 0 0 1 0 8",
};

export function NodeIcon({ name, className = "h-4 w-4" }: { name: string; className?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      className={className}
      aria-hidden="true"
    >
      <path d={PATHS[name] ?? "M4 4h16v16H4z"} />
    </svg>
  );
}

export const CATEGORY_STYLE = {
  source: {
    accent: "bg-emerald-500",
    chip: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200",
    label: "Sources",
  },
  transform: {
    accent: "bg-brand-500",
    chip: "bg-brand-100 text-brand-800 dark:bg-brand-900/50 dark:text-brand-200",
    label: "Transforms",
  },
  sink: {
    accent: "bg-violet-500",
    chip: "bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-200",
    label: "Sinks",
  },
} as const;
