const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timestamp = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "in 6 days", "now". */
export function formatRelative(date: Date, now = Date.now()): string {
  const diff = date.getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit);
  }
  return relative.format(0, "second");
}

export function formatDateTime(date: Date): string {
  return dateTime.format(date);
}

/** To the second, for logs: "Nov 29, 20:01:22". */
export function formatTimestamp(date: Date): string {
  return timestamp.format(date);
}

export function formatDate(date: Date): string {
  return dateOnly.format(date);
}

const ARTICLE = { viewer: "a", editor: "an", admin: "an", owner: "an" } as const;

/** "a viewer", "an admin". */
export function withArticle(role: keyof typeof ARTICLE): string {
  return `${ARTICLE[role]} ${role}`;
}

/** "Viewer" for option labels. */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
