/**
 * Fields known to exist on the records at some point of the graph, for design-time warnings such as
 * "event.props.cupon is not produced upstream". `open` means "unknown shape" (e.g. an existing Kafka
 * topic): nothing is flagged. A path ending in `.*` covers everything below it (`props.*`).
 *
 * `types`: what the values of some exact paths are known to be, with where that is known from (a
 * window's count, a CEL expression's type, a registry schema). Kept on open sets too: a map over an
 * unknown topic still knows the type of what it assigns. A typed field may be missing or null on a
 * record; when present, it has that type.
 */
export type FieldSet = { open: boolean; paths: readonly string[]; types?: Readonly<Record<string, FieldTyping>> };

/** JSON-level value types: `timestamp` is an ISO-8601 string or epoch milliseconds. */
export const FIELD_TYPES = ["string", "integer", "number", "boolean", "timestamp", "object", "array"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export type FieldTyping = { type: FieldType; from: string };
export type FieldTypes = Readonly<Record<string, FieldTyping>>;

export const OPEN_FIELDS: FieldSet = { open: true, paths: [] };

export function knownFields(paths: readonly string[], types?: FieldTypes): FieldSet {
  return withTypes({ open: false, paths: [...new Set(paths)] }, types);
}

/** `types` for paths given as `{ path: type }`, all known from the same place. */
export function typedFrom(from: string, types: Readonly<Record<string, FieldType>>): FieldTypes {
  return Object.fromEntries(Object.entries(types).map(([path, type]) => [path, { type, from }]));
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

/**
 * Records from any of the sets. A path keeps its type where every set that can carry it types it
 * alike (a closed set without the path cannot carry it: its records lack the field).
 */
export function unionFields(sets: readonly FieldSet[]): FieldSet {
  if (sets.length === 0) return OPEN_FIELDS;
  const types: Record<string, FieldTyping> = {};
  for (const path of new Set(sets.flatMap((set) => Object.keys(set.types ?? {})))) {
    let agreed: FieldTyping | undefined;
    let conflict = false;
    for (const set of sets) {
      const typing = set.types?.[path];
      if (!typing) {
        if (set.open || hasField(set, path)) conflict = true;
        continue;
      }
      if (agreed && agreed.type !== typing.type) conflict = true;
      agreed ??= typing;
    }
    if (agreed && !conflict) types[path] = agreed;
  }
  const open = sets.some((set) => set.open);
  return withTypes({ open, paths: open ? [] : [...new Set(sets.flatMap((set) => set.paths))] }, types);
}

/** The set after `paths` were written: their types are `types` (where given) or no longer known. */
export function addFields(set: FieldSet, paths: readonly string[], types: FieldTypes = {}): FieldSet {
  const kept = withoutTypes(set.types, paths);
  for (const path of paths) if (types[path]) kept[path] = types[path];
  return withTypes(
    set.open ? { open: true, paths: [] } : { open: false, paths: [...new Set([...set.paths, ...paths])] },
    kept,
  );
}

/** The same records, now known to have these types (e.g. after a schema check). */
export function retypeFields(set: FieldSet, types: FieldTypes): FieldSet {
  return withTypes(set, { ...set.types, ...types });
}

export function removeFields(set: FieldSet, paths: readonly string[]): FieldSet {
  const removed = new Set(paths);
  const types = withoutTypes(set.types, paths);
  if (set.open) return withTypes({ open: true, paths: [] }, types);
  return withTypes({ open: false, paths: set.paths.filter((path) => !removed.has(path)) }, types);
}

/** The types without those of `paths` and of what is below them (writing `a` changes `a.b`; writing `a.b` leaves `a` an object). */
function withoutTypes(types: FieldTypes | undefined, paths: readonly string[]): Record<string, FieldTyping> {
  const out: Record<string, FieldTyping> = {};
  for (const [known, typing] of Object.entries(types ?? {})) {
    const touched = paths.some(
      (path) =>
        known === path || known.startsWith(`${path}.`) || (path.startsWith(`${known}.`) && typing.type !== "object"),
    );
    if (!touched) out[known] = typing;
  }
  return out;
}

function withTypes(set: { open: boolean; paths: readonly string[] }, types: FieldTypes | undefined): FieldSet {
  return types && Object.keys(types).length > 0 ? { ...set, types } : set;
}
