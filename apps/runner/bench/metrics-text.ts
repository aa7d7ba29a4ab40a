// Reads the runner's /metrics (Prometheus text format) for the benchmark: sums of series matching
// some labels, and quantiles of a histogram between two scrapes (linear within a bucket, as
// Prometheus' histogram_quantile does).
type Series = { name: string; labels: Record<string, string>; value: number };

export type Scrape = {
  series: Series[];
  /** Sum of every series of `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
};

export function parseMetrics(text: string): Scrape {
  const series: Series[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1]!] = pair[2]!;
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const matches = (s: Series, name: string, labels: Record<string, string>) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    series,
    value: (name, labels = {}) => series.filter((s) => matches(s, name, labels)).reduce((sum, s) => sum + s.value, 0),
  };
}

/** The q-quantile (0..1) in milliseconds of the observations made between `before` and `after`; null when none. */
export function histogramQuantile(
  before: Scrape,
  after: Scrape,
  name: string,
  labels: Record<string, string>,
  q: number,
): number | null {
  const buckets = new Map<number, number>();
  for (const s of after.series) {
    if (s.name !== `${name}_bucket` || !Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels["le"] === "+Inf" ? Infinity : Number(s.labels["le"]);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value - before.value(`${name}_bucket`, { ...s.labels }));
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of sorted) {
    if (cumulative >= rank) {
      // Beyond the last finite bucket there is no upper bound: report that bound.
      if (le === Infinity) return lower * 1000;
      const inBucket = cumulative - below;
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
      return +((lower + (le - lower) * fraction) * 1000).toFixed(1);
    }
    lower = le;
    below = cumulative;
  }
  return lower * 1000;
}
