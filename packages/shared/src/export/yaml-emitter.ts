/** The JSON-like values the emitter writes; object keys keep their insertion order. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const PLAIN_SAFE = /^[A-Za-z_/][A-Za-z0-9_ ./()-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/**
 * Block-style YAML for config files people read: nested maps and lists indented by two spaces,
 * multi-line strings as literal blocks (Bloblang mappings stay readable), other strings plain when
 * that cannot change their meaning, else single-quoted, else JSON-quoted (JSON strings are valid YAML).
 * Deliberately small: no anchors, tags or flow style beyond `{}` / `[]` for empty collections.
 */
export function toYaml(value: YamlValue): string {
  return `${lines(value, 0).join("\n")}\n`;
}

function lines(value: YamlValue, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isCollection(item) && !isEmpty(item)) {
        const [first, ...rest] = lines(item, indent + 2);
        return [`${pad}- ${first!.slice(indent + 2)}`, ...rest];
      }
      return inline(item, indent + 2).map((line, i) => (i === 0 ? `${pad}- ${line}` : line));
    });
  }
  if (isCollection(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) => {
      const name = `${pad}${scalar(key)}:`;
      if (isCollection(item) && !isEmpty(item)) return [name, ...lines(item, indent + 2)];
      const [first, ...rest] = inline(item, indent + 2);
      return [`${name} ${first}`, ...rest];
    });
  }
  return inline(value, indent);
}

/** A scalar or empty collection after `key: ` or `- `; literal blocks continue at `indent`. */
function inline(value: YamlValue, indent: number): string[] {
  if (Array.isArray(value)) return ["[]"];
  if (isCollection(value)) return ["{}"];
  if (typeof value === "string" && value.includes("\n") && !/[^\S\n]\n|[^\S\n]$|^\s|\n\n$/.test(value)) {
    const body = value.endsWith("\n") ? value.slice(0, -1) : value;
    const pad = " ".repeat(indent);
    return [value.endsWith("\n") ? "|" : "|-", ...body.split("\n").map((line) => (line === "" ? "" : `${pad}${line}`))];
  }
  return [scalar(value)];
}

function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value !== "string") return String(value);
  const plain = PLAIN_SAFE.test(value) && !RESERVED.test(value) && !value.endsWith(" ") && !/^[0-9._-]/.test(value);
  if (plain) return value;
  // Single quotes need no escapes, so Bloblang with double-quoted strings stays readable.
  return value.includes("'") ||
    [...value].some((char) => char < " " || char === "\x7f" || char === "\u2028" || char === "\u2029")
    ? JSON.stringify(value)
    : `'${value}'`;
}

function isCollection(value: YamlValue): value is YamlValue[] | { [key: string]: YamlValue } {
  return typeof value === "object" && value !== null;
}

function isEmpty(value: YamlValue[] | { [key: string]: YamlValue }): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}
