// A batch's records as events: records a checkpoint or a fence says were applied are skipped,
// watermark records are noted, values are decoded (unreadable ones become failures for the head's
// error port), dead letters read back with their error, and replayed records set aside for the node
// they return to. Every event's origin (offset, key) is recorded for dead letters and fence numbers.
import {
  type CoreFailure,
  deadLetterRecord,
  decodeDeadLetterHeaders,
  type EventRecord,
  isJsonObject,
  type JsonValue,
  type NodeConfig,
  PARTIAL_HEADER,
  REPLAY_ATTEMPTS_HEADER,
  REPLAY_NODE_HEADER,
  type Stage,
  UNDECODABLE_RECORD_CODE,
} from "@sluice/shared";
import type { StageBatchV1 } from "../queue/batch-payload";
import { admitFenced, FENCE_HEADER } from "./fences";
import { admitPartials, UnknownPartials } from "./combine";
import { UndecodableValue, type ValueDecoder } from "./schema-registries";
import { sourceRecordEnricher } from "./source-record";
import { WATERMARK_HEADER } from "./source-watermarks";

/**
 * Where a record came from: its input offset and key. `exact`: the offset is its own, not the batch's
 * first. `prior`: attempts a replayed dead letter already had.
 */
export type Origin = { offset: string; key: string | null; exact: boolean; prior?: number };

export type BatchInput = {
  /** Events for the stage's head, in offset order. */
  input: EventRecord[];
  /** Replayed dead letters per node of the stage (other than the head) they return to. */
  replays: Map<string, EventRecord[]>;
  /** Records that are not a JSON object (or not readable in the registry format). */
  undecodable: CoreFailure[];
  /** Watermark headers of the batch's watermark records (kept only when `watermarks`). */
  watermarkRecords: string[];
  /** Bytes of all the batch's values. */
  bytesIn: number;
  /** Records skipped by their fence number. */
  fencedOut: number;
};

export async function readBatchInput(
  batch: StageBatchV1,
  read: {
    stage: Pick<Stage, "nodes" | "deadLetterInputs">;
    decoder?: ValueDecoder;
    /** Records at or below this offset were applied (the checkpoint's). */
    skipThrough?: bigint;
    /** A stateful reader's fence numbers applied per stream (moved as records are admitted). */
    seen?: Record<string, number>;
    /** A stateful reader: keep the watermark records' headers. */
    watermarks: boolean;
    /** Where each event came from (the batch's map). */
    origin: { set(event: EventRecord, origin: Origin): unknown };
    /** When a dead letter without its own failure time failed. */
    failedAt: string;
  },
): Promise<BatchInput> {
  const { stage, seen, origin, failedAt } = read;
  const head = stage.nodes[0]!;
  // A kafka-source head may add the message's key and headers to its events.
  const enrich =
    head.type === "kafka-source" ? sourceRecordEnricher(head.config as NodeConfig<"kafka-source">) : undefined;
  const fromDeadLetters = stage.deadLetterInputs.includes(batch.topic);
  const watermarkRecords: string[] = [];
  const input: EventRecord[] = [];
  const undecodable: CoreFailure[] = [];
  const replays = new Map<string, EventRecord[]>();
  let bytesIn = 0;
  let fencedOut = 0;
  for (const record of batch.records) {
    bytesIn += Buffer.byteLength(record.v);
    // Records at or below the checkpoint were applied before a crash: skip them.
    if (read.skipThrough !== undefined && BigInt(record.o) <= read.skipThrough) continue;
    // A watermark record (no event): a stateful reader takes note, any other reader skips it.
    const sourceMark = record.h?.[WATERMARK_HEADER];
    if (sourceMark !== undefined) {
      if (read.watermarks) watermarkRecords.push(sourceMark);
      continue;
    }
    // A combiner's window partials (combine.ts): what of them this window did not apply yet.
    const partials = record.h?.[PARTIAL_HEADER];
    if (partials !== undefined) {
      let admitted: EventRecord[] | undefined;
      try {
        if (head.type !== "window") throw new UnknownPartials(`window partials read by a ${head.type} node`);
        admitted = admitPartials(
          record.v,
          partials,
          record.h?.[FENCE_HEADER],
          seen,
          head.config as NodeConfig<"window">,
        );
      } catch (e) {
        const event: EventRecord = { raw: record.v.slice(0, 100_000) };
        origin.set(event, { offset: record.o, key: record.k, exact: true });
        const code = e instanceof UnknownPartials ? e.code : UNDECODABLE_RECORD_CODE;
        undecodable.push({ event, error: { code, message: e instanceof Error ? e.message : String(e) } });
        continue;
      }
      if (!admitted) fencedOut++;
      for (const event of admitted ?? []) {
        origin.set(event, { offset: record.o, key: record.k, exact: true });
        input.push(event);
      }
      continue;
    }
    // A record an upstream stage emitted again (its replay after a crash or rebalance) was applied already.
    const fence = seen ? record.h?.[FENCE_HEADER] : undefined;
    if (fence !== undefined && seen && !admitFenced(seen, fence)) {
      fencedOut++;
      continue;
    }
    let value: JsonValue | undefined;
    if (read.decoder) {
      try {
        value = (await read.decoder.decode(record.v)) as JsonValue;
      } catch (e) {
        // Unreadable records go to the error port; a registry that cannot be reached fails the batch (retried).
        if (!(e instanceof UndecodableValue)) throw e;
        const event: EventRecord = { raw: record.v.slice(0, 100_000) };
        origin.set(event, { offset: record.o, key: record.k, exact: true });
        undecodable.push({ event, error: { code: e.code, message: e.message } });
        continue;
      }
    } else {
      try {
        value = JSON.parse(record.v) as JsonValue;
      } catch {
        value = undefined;
      }
    }
    if (value === undefined || !isJsonObject(value)) {
      const event: EventRecord = { raw: record.v.slice(0, 100_000) };
      origin.set(event, { offset: record.o, key: record.k, exact: true });
      undecodable.push({
        event,
        error: { code: UNDECODABLE_RECORD_CODE, message: "record value is not a JSON object" },
      });
      continue;
    }
    let event: EventRecord = value;
    if (fromDeadLetters) {
      const headers = decodeDeadLetterHeaders(record.h ?? {});
      const error = headers.success
        ? { code: headers.data.errorCode, message: headers.data.errorMessage }
        : { code: "unknown", message: "" };
      event = deadLetterRecord(
        value,
        error,
        headers.success ? headers.data.nodeId : "",
        headers.success ? headers.data.failedAt : failedAt,
      );
    }
    const replayAt = record.h?.[REPLAY_NODE_HEADER];
    // A replayed dead letter was enriched on its first way through.
    if (enrich && !replayAt) {
      const enriched = enrich(event, record);
      if ("error" in enriched) {
        origin.set(event, { offset: record.o, key: record.k, exact: true });
        undecodable.push({ event, error: enriched.error });
        continue;
      }
      event = enriched.event;
    }
    const prior = replayAt ? Number(record.h?.[REPLAY_ATTEMPTS_HEADER] ?? 0) : 0;
    origin.set(
      event,
      prior > 0
        ? { offset: record.o, key: record.k, exact: true, prior }
        : { offset: record.o, key: record.k, exact: true },
    );
    if (replayAt && replayAt !== head.id && stage.nodes.some((n) => n.id === replayAt)) {
      const list = replays.get(replayAt);
      if (list) list.push(event);
      else replays.set(replayAt, [event]);
      continue;
    }
    input.push(event);
  }
  return { input, replays, undecodable, watermarkRecords, bytesIn, fencedOut };
}
