/** Consecutive slices of at most `size` items (e.g. rows per statement under Postgres' 65,535 parameters). */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
