import { lagSecondsHealth, type Health, type NodeState } from "@sluice/shared";

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

/** Health colour for a lag in seconds: the NiFi-style back-pressure signal (thresholds in @sluice/shared health.ts). */
export function lagTone(lagSec: number | null | undefined): "ok" | "warn" | "bad" {
  const h = lagSecondsHealth(lagSec);
  return h === "idle" ? "ok" : h;
}

/** Events per second, compact: "1.2k/s". */
export function perSec(n: number | null | undefined): string {
  return `${compact(n)}/s`;
}

/** Bytes per second, binary units: "512 B/s", "1.4 KiB/s", "3.2 MiB/s". */
export function bytesPerSec(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "–";
  if (n < 1024) return `${Math.round(n)} B/s`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB/s`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB/s`;
}

/** Edge stroke and status-dot colours per health (SVG needs raw colours, not classes). */
export const HEALTH_STROKE: Record<Health, string> = {
  ok: "#10b981",
  warn: "#f59e0b",
  bad: "#ef4444",
  idle: "#94a3b8",
};

export const STATUS_DOT: Record<NodeState, string> = {
  running: "bg-emerald-500",
  starting: "bg-amber-400 animate-pulse",
  failing: "bg-red-500",
  stopped: "bg-slate-400",
};

export const toneClass = {
  ok: "text-emerald-700 bg-emerald-50 border-emerald-200 dark:text-emerald-300 dark:bg-emerald-950 dark:border-emerald-900",
  warn: "text-amber-800 bg-amber-50 border-amber-200 dark:text-amber-300 dark:bg-amber-950 dark:border-amber-900",
  bad: "text-red-700 bg-red-50 border-red-200 dark:text-red-300 dark:bg-red-950 dark:border-red-900",
  idle: "text-slate-600 bg-slate-50 border-slate-200 dark:text-slate-400 dark:bg-slate-900 dark:border-slate-800",
} as const;

/** "3 s ago" style freshness of a timestamp. */
export function ago(at: number | null | undefined, now = Date.now()): string {
  if (at == null) return "–";
  return `${seconds(Math.max(0, (now - at) / 1000))} ago`;
}

// One formatter each for every tick: toLocaleTimeString builds a new one per call, which shows in profiles.
const HOUR_MINUTE = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const HOUR_MINUTE_SECOND = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A clock time with seconds (tooltips). */
export function clockTime(t: number): string {
  return HOUR_MINUTE_SECOND.format(t);
}

/**
 * Tick labels for a time axis spanning `spanMs`: with seconds below an hour, where ticks fall seconds
 * or a few minutes apart and hours:minutes alone would repeat ("07:59, 07:59, 07:59").
 */
export function timeTickFormatter(spanMs: number): (t: number) => string {
  const format = spanMs < 3_600_000 ? HOUR_MINUTE_SECOND : HOUR_MINUTE;
  return (t) => format.format(t);
}

/** Milliseconds between the first and last point of a series in time order. */
export function timeSpan(points: readonly { t?: number | null }[]): number {
  const first = points[0]?.t;
  const last = points[points.length - 1]?.t;
  return first != null && last != null ? last - first : 0;
}
