import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d+)(ms|s|m|h|d)$/;

/**
 * A duration written the way people say it in configs: `500ms`, `30s`, `1m`, `2h`, `7d`.
 * Strings rather than raw milliseconds so saved graphs and forms stay readable.
 */
export const Duration = z.string().regex(DURATION_RE, "Use a number followed by ms, s, m, h or d, e.g. 30s or 5m");
export type Duration = z.infer<typeof Duration>;

/** Milliseconds for a Duration. Throws on malformed input (configs are validated before use). */
export function durationMs(duration: string): number {
  const ms = parseDurationMs(duration);
  if (ms === undefined) throw new Error(`Invalid duration: ${duration}`);
  return ms;
}

/** Milliseconds, or undefined when malformed (for refinements that run after field errors). */
export function parseDurationMs(duration: string | undefined): number | undefined {
  const match = duration === undefined ? null : DURATION_RE.exec(duration);
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}
