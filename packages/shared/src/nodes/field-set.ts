/**
 * Fields known to exist on the records at some point of the graph, for design-time warnings such as
 * "event.props.cupon is not produced upstream". `open` means "unknown shape" (e.g. an existing Kafka
 * topic): nothing is flagged. A path ending in `.*` covers everything below it (`props.*`).
 */
export type FieldSet = { open: boolean; paths: readonly string[] };

export const OPEN_FIELDS: FieldSet = { open: true, paths: [] };

export function knownFields(paths: readonly string[]): FieldSet {
  return { open: false, paths: [...new Set(paths)] };
}

export function hasField(set: FieldSet, path: string): boolean {
  if (set.open) return true;
  return set.paths.some((known) => {
    if (known.endsWith(".*")) {
      const prefix = known.slice(0, -2);
      return path === prefix || path.startsWith(`${prefix}.`);
    }
    // Either side may be the ancestor: reading `context` when `context.ip` is known is fine, and reading
    // inside a known field whose shape is not declared is given the benefit of the doubt.
    return path === known || path.startsWith(`${known}.`) || known.startsWith(`${path}.`);
  });
}

export function unionFields(sets: readonly FieldSet[]): FieldSet {
  if (sets.length === 0 || sets.some((set) => set.open)) return OPEN_FIELDS;
  return knownFields(sets.flatMap((set) => set.paths));
}

export function addFields(set: FieldSet, paths: readonly string[]): FieldSet {
  return set.open ? set : knownFields([...set.paths, ...paths]);
}

export function removeFields(set: FieldSet, paths: readonly string[]): FieldSet {
  if (set.open) return set;
  const removed = new Set(paths);
  return knownFields(set.paths.filter((path) => !removed.has(path)));
}
