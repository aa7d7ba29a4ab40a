/** Compact numbers for dense monitoring views: 950, 1.2k, 3.4M. */
export function compact(n: number | null | undefined, digits = 1): string {
  if (n == null || !Number.isFinite(n)) return "–";
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(digits)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(digits)}k`;
  return abs >= 10 || n === 0 ? n.toFixed(0) : n.toFixed(digits);
}

export function seconds(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Health colour for a lag in seconds: the NiFi-style back-pressure signal. */
export function lagTone(lagSec: number | null | undefined): "ok" | "warn" | "bad" {
  if (lagSec == null) return "ok";
  if (lagSec > 60) return "bad";
  if (lagSec > 5) return "warn";
  return "ok";
}

export const toneClass = {
  ok: "text-emerald-700 bg-emerald-50 border-emerald-200 dark:text-emerald-300 dark:bg-emerald-950 dark:border-emerald-900",
  warn: "text-amber-800 bg-amber-50 border-amber-200 dark:text-amber-300 dark:bg-amber-950 dark:border-amber-900",
  bad: "text-red-700 bg-red-50 border-red-200 dark:text-red-300 dark:bg-red-950 dark:border-red-900",
} as const;
