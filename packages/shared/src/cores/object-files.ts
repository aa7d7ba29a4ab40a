import { toEpochMs } from "../events/event-time";
import { FieldPath, getPath } from "../events/field-path";
import type { EventRecord, JsonValue } from "../events/json-value";
import type { CoreFailure } from "./core-types";

/**
 * Object keys and files of the s3-sink, pure so the designer validates templates and preview shows
 * the objects with the same code the runner writes. A key template is a prefix ("folders") with
 * event-time tokens `{yyyy}` `{MM}` `{dd}` `{HH}` `{mm}` (UTC) and field tokens `{event.<path>}`;
 * the sink appends a file name derived from the batch's source offsets (objectFileName).
 */

export const TIME_TOKENS = ["yyyy", "MM", "dd", "HH", "mm"] as const;
type TimeToken = (typeof TIME_TOKENS)[number];
type TemplatePart = { literal: string } | { time: TimeToken } | { field: string };

export type KeyTemplate = {
  /** The literal text before the first token: where the sink keeps its manifests (`<prefix>_sluice/`). */
  staticPrefix: string;
  render(event: EventRecord, eventTimeMs: number): string;
};

export type KeyTemplateResult = { ok: true; template: KeyTemplate } | { ok: false; message: string };

export const MANIFEST_FOLDER = "_sluice/";
const LITERAL = /^[A-Za-z0-9!\-_.*'()=/]*$/;

export function parseKeyTemplate(source: string): KeyTemplateResult {
  if (source.length === 0 || source.length > 512) return { ok: false, message: "Use 1 to 512 characters" };
  if (source.startsWith("/")) return { ok: false, message: "Must not start with /" };
  if (!source.endsWith("/")) return { ok: false, message: "Must end with / (the file name is generated)" };
  const parts: TemplatePart[] = [];
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}");
    if (close !== -1 && (open === -1 || close < open)) return { ok: false, message: "Unmatched }" };
    const literal = open === -1 ? rest : rest.slice(0, open);
    if (!LITERAL.test(literal))
      return { ok: false, message: `"${literal}": use letters, digits and ! - _ . * ' ( ) = / outside tokens` };
    if (literal) parts.push({ literal });
    if (open === -1) break;
    if (close === -1) return { ok: false, message: "Unclosed {" };
    const token = rest.slice(open + 1, close);
    if ((TIME_TOKENS as readonly string[]).includes(token)) parts.push({ time: token as TimeToken });
    else if (token.startsWith("event.") && FieldPath.safeParse(token.slice(6)).success)
      parts.push({ field: token.slice(6) });
    else return { ok: false, message: `Unknown token {${token}}: use {yyyy} {MM} {dd} {HH} {mm} or {event.<field>}` };
    rest = rest.slice(close + 1);
  }
  const rendered = parts.map((p) => ("literal" in p ? p.literal : "x")).join("");
  if (
    rendered
      .split("/")
      .some((segment, i, all) => segment === ".." || segment === "." || (segment === "" && i < all.length - 1))
  ) {
    return { ok: false, message: "Empty, . or .. folder names are not allowed" };
  }
  const firstToken = parts.findIndex((p) => !("literal" in p));
  const staticPrefix = (firstToken === -1 ? parts : parts.slice(0, firstToken))
    .map((p) => ("literal" in p ? p.literal : ""))
    .join("");
  if (staticPrefix.startsWith(MANIFEST_FOLDER) || staticPrefix.includes(`/${MANIFEST_FOLDER}`))
    return { ok: false, message: `${MANIFEST_FOLDER} is reserved for the sink's manifests` };
  // Only the folders before the first token are static: "events/dt=" keeps manifests in "events/".
  const manifestBase = staticPrefix.slice(0, staticPrefix.lastIndexOf("/") + 1);
  return {
    ok: true,
    template: {
      staticPrefix: manifestBase,
      render: (event, eventTimeMs) => {
        const date = new Date(eventTimeMs);
        return parts
          .map((part) =>
            "literal" in part
              ? part.literal
              : "time" in part
                ? timePart(date, part.time)
                : fieldPart(getPath(event, part.field)),
          )
          .join("");
      },
    },
  };
}

function timePart(date: Date, token: TimeToken): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  switch (token) {
    case "yyyy":
      return pad(date.getUTCFullYear(), 4);
    case "MM":
      return pad(date.getUTCMonth() + 1);
    case "dd":
      return pad(date.getUTCDate());
    case "HH":
      return pad(date.getUTCHours());
    case "mm":
      return pad(date.getUTCMinutes());
  }
}

/** A field value as one safe key segment: no "/" (no new folders), at most 100 characters. */
function fieldPart(value: JsonValue | undefined): string {
  if (value === undefined || value === null || typeof value === "object") return "null";
  const text = String(value)
    .replace(/[^A-Za-z0-9!\-_.*'()=]/g, "_")
    .slice(0, 100);
  return text === "" || text === "." || text === ".." ? "null" : text;
}

/** Where a sink batch's records came from: its file names are derived from this, so a re-run rewrites them. */
export type BatchSource = { topic: string; partition: number; firstOffset: string; lastOffset: string };

/**
 * `<topic>+<partition>+<first offset>-<last offset>+<node>+<index><ext>`: the same batch always gets
 * the same names, so running it again (after a crash, before its offsets were committed) overwrites
 * its objects instead of adding copies.
 */
export function objectFileName(source: BatchSource, nodeId: string, index: number, extension: string): string {
  return `${source.topic}+${source.partition}+${source.firstOffset}-${source.lastOffset}+${nodeId}+${index}${extension}`;
}

const utf8 = new TextEncoder();

export type ObjectFileGroup = { prefix: string; events: EventRecord[]; bytes: number };

/**
 * Groups a batch into files: by rendered prefix (in order of first appearance), each rolled after
 * `maxRecords` records or `maxBytes` bytes of JSON. Deterministic for a given batch. Events without
 * a valid event time are rejected (a processing-time fallback would put a re-run in other folders).
 */
export function groupObjectFiles(
  batch: readonly EventRecord[],
  options: {
    template: KeyTemplate;
    eventTimeField: string;
    maxRecords: number;
    maxBytes: number;
    size?: (event: EventRecord) => number;
  },
): { files: ObjectFileGroup[]; errors: CoreFailure[] } {
  const open = new Map<string, ObjectFileGroup>();
  const files: ObjectFileGroup[] = [];
  const errors: CoreFailure[] = [];
  const size = options.size ?? ((event: EventRecord) => utf8.encode(JSON.stringify(event)).length + 1);
  for (const event of batch) {
    const timeMs = toEpochMs(getPath(event, options.eventTimeField));
    if (timeMs === undefined) {
      errors.push({
        event,
        error: {
          code: "s3.no-event-time",
          message: `event time field "${options.eventTimeField}" is missing or not an ISO time / epoch ms`,
        },
      });
      continue;
    }
    const prefix = options.template.render(event, timeMs);
    const bytes = size(event);
    let file = open.get(prefix);
    if (
      !file ||
      file.events.length >= options.maxRecords ||
      (file.events.length > 0 && file.bytes + bytes > options.maxBytes)
    ) {
      file = { prefix, events: [], bytes: 0 };
      open.set(prefix, file);
      files.push(file);
    }
    file.events.push(event);
    file.bytes += bytes;
  }
  return { files, errors };
}
