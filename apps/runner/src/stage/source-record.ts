// What a kafka-source adds to each event from its message besides the value: the key as a field
// (`keyField`) and the headers under `context.headers` (`headersToContext`), bounded so a producer's
// headers cannot blow an event up.
import { type EventRecord, isJsonObject, type NodeConfig, type RecordError, setPath } from "@sluice/shared";

/** Bounds of `context.headers`: headers past them are left out (never truncated). */
export const CONTEXT_HEADER_LIMITS = { count: 32, nameLength: 128, valueLength: 1024 } as const;
/** Sluice's own headers (fences, watermarks, replays) are not the producer's: never copied. */
const SLUICE_HEADER_PREFIX = "x-sluice-";

/** Dead-letter code of a record whose `context` is not an object, so its headers have nowhere to go. */
export const CONTEXT_NOT_OBJECT_CODE = "record.context-not-object";

/** The producer's headers as `context.headers` holds them. */
export function contextHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (count >= CONTEXT_HEADER_LIMITS.count) break;
    if (name.startsWith(SLUICE_HEADER_PREFIX)) continue;
    if (name.length > CONTEXT_HEADER_LIMITS.nameLength || value.length > CONTEXT_HEADER_LIMITS.valueLength) continue;
    Object.defineProperty(kept, name, { value, writable: true, enumerable: true, configurable: true });
    count++;
  }
  return kept;
}

export type SourceRecordEnricher = (
  event: EventRecord,
  record: { k: string | null; h?: Record<string, string> },
) => { event: EventRecord } | { error: RecordError };

/** How a kafka-source's records become events past their value, or undefined when it adds nothing. */
export function sourceRecordEnricher(config: NodeConfig<"kafka-source">): SourceRecordEnricher | undefined {
  const { keyField, headersToContext } = config;
  if (!keyField && !headersToContext) return undefined;
  return (value, record) => {
    let event = value;
    if (headersToContext) {
      const context = event["context"];
      if (context !== undefined && context !== null && !isJsonObject(context))
        return {
          error: {
            code: CONTEXT_NOT_OBJECT_CODE,
            message: "the message's headers go into `context.headers`, but its value's `context` is not an object",
          },
        };
      event = setPath(event, "context.headers", contextHeaders(record.h));
    }
    if (keyField) event = setPath(event, keyField, record.k);
    return { event };
  };
}
