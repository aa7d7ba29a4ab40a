// The benchmarks' correctness check: what every window must count according to the load generator,
// compared with what landed in the sink. Pure (no I/O), so a unit test shows the check can fail.

/** `<window start, epoch ms>|<group>`, e.g. `1764752400000|click`. */
export type WindowKey = string;

/** Count per window. */
export type WindowCounts = Map<WindowKey, number>;

export const windowKey = (startMs: number, group: string): WindowKey => `${startMs}|${group}`;

export const windowStartOf = (eventTimeMs: number, sizeMs: number): number => Math.floor(eventTimeMs / sizeMs) * sizeMs;

export function windowStartOfKey(key: WindowKey): number {
  return Number(key.slice(0, key.indexOf("|")));
}

/** Adds `from` into `into` (counts of the same window add up). */
export function addCounts(into: WindowCounts, from: Iterable<[WindowKey, number]>): WindowCounts {
  for (const [key, count] of from) into.set(key, (into.get(key) ?? 0) + count);
  return into;
}

/**
 * The time up to which every window must have closed: a window fires once the watermark (the slowest
 * partition's newest event time minus the delay) passes its end. The slowest group is at least as slow
 * as the slowest partition, so every window ending at or before this has surely fired; null while some
 * group has no events yet.
 */
export function closedUpTo(
  maxEventTimeByGroup: Record<string, number>,
  groups: readonly string[],
  watermarkDelayMs: number,
): number | null {
  let slowest: number | null = null;
  for (const group of groups) {
    const newest = maxEventTimeByGroup[group];
    if (newest === undefined) return null;
    slowest = slowest === null ? newest : Math.min(slowest, newest);
  }
  return slowest === null ? null : slowest - watermarkDelayMs;
}

export type WindowDifference = { window: WindowKey; expected: number; actual: number | null };

export type WindowCheck = {
  ok: boolean;
  /** Windows that had to have landed (they closed). */
  closed: number;
  /** Closed windows that landed with exactly the expected count. */
  exact: number;
  /** Closed windows with no result in the sink. */
  missing: WindowDifference[];
  /** Results whose count differs from the expected one (closed or not: no more events come for them). */
  wrong: WindowDifference[];
};

/**
 * Every window that ends at or before `closedUpTo` must be in `actual` with exactly its expected count;
 * a result for any other window must be exact too (a window the generator never fed counts as expected 0).
 */
export function compareWindowCounts(
  expected: WindowCounts,
  actual: WindowCounts,
  windowSizeMs: number,
  upTo: number | null,
): WindowCheck {
  const missing: WindowDifference[] = [];
  const wrong: WindowDifference[] = [];
  let closed = 0;
  let exact = 0;
  for (const [window, count] of expected) {
    if (upTo === null || windowStartOfKey(window) + windowSizeMs > upTo) continue;
    closed++;
    const landed = actual.get(window);
    if (landed === undefined) missing.push({ window, expected: count, actual: null });
    else if (landed === count) exact++;
  }
  for (const [window, count] of actual) {
    const want = expected.get(window) ?? 0;
    if (count !== want) wrong.push({ window, expected: want, actual: count });
  }
  const order = (a: WindowDifference, b: WindowDifference) => (a.window < b.window ? -1 : a.window > b.window ? 1 : 0);
  return {
    ok: missing.length === 0 && wrong.length === 0,
    closed,
    exact,
    missing: missing.sort(order),
    wrong: wrong.sort(order),
  };
}

/** Human-readable difference (at most `limit` lines per kind), for the failure message. */
export function describeWindowCheck(check: WindowCheck, limit = 20): string {
  const line = (d: WindowDifference) => {
    const start = windowStartOfKey(d.window);
    const label = `${new Date(start).toISOString()} ${d.window.slice(d.window.indexOf("|") + 1)}`;
    return `  ${label}: expected ${d.expected}, sink ${d.actual === null ? "nothing" : d.actual}${d.actual === null ? "" : ` (${d.actual - d.expected > 0 ? "+" : ""}${d.actual - d.expected})`}`;
  };
  const lines = [
    `${check.exact} of ${check.closed} closed windows exact; ${check.missing.length} missing, ${check.wrong.length} with a wrong count`,
  ];
  for (const [title, list] of [
    ["missing", check.missing],
    ["wrong count", check.wrong],
  ] as const) {
    if (list.length === 0) continue;
    lines.push(`${title}:`, ...list.slice(0, limit).map(line));
    if (list.length > limit) lines.push(`  … and ${list.length - limit} more`);
  }
  return lines.join("\n");
}

/** The q-quantile (0..1) of weighted samples (each value counted `weight` times); null when empty. */
export function weightedQuantile(samples: readonly { value: number; weight: number }[], q: number): number | null {
  const sorted = samples.filter((s) => s.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, s) => sum + s.weight, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const s of sorted) {
    seen += s.weight;
    if (seen >= rank) return s.value;
  }
  return sorted.at(-1)!.value;
}
