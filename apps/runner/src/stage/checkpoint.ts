// A stateful stage's checkpoint in Redis, per head node and input partition: the offset marker, the
// stored state (core snapshot, fence numbers applied, sources' progress) and the outbox (what the run
// that wrote the checkpoint emits). Written in one Lua script, only if no other run moved the marker.
//
// The outbox's sender: while a run sends its outbox, the partition may move to another process (a
// rebalance), whose first batch finds the outbox still there. Sending it again would be correct (same
// window ids and revisions: sinks upsert) but shows downstream as a second emission of each window, so
// the checkpoint also writes a lease, `<outbox>:sending` = the sending process's id with a TTL, and the
// next owner waits for that outbox to clear while the lease lives (outboxHandover). A sender that died
// leaves a lease that expires: the next owner then sends the outbox itself, at most SENDING_LEASE_MS late.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { OutgoingMessage } from "@sluice/kafka";
import type { checkpointKeys } from "@sluice/shared";
import { runRedisScript } from "../services/redis";
import type { SourceWatermarks } from "./source-watermarks";

export type CheckpointKeys = ReturnType<typeof checkpointKeys>;

/** This process, as an outbox's sender. */
const SENDER_ID = randomUUID();
/** How long a next owner waits for a live sender to clear its outbox: well above a send's few ms. */
const SENDING_LEASE_MS = 5000;
const SENDING_POLL_MS = 20;

/**
 * KEYS: marker, state, watermarks, outbox, sending. ARGV: expected marker ("" = none), new marker,
 * state, partition, watermark ("" = none), outbox ("" = none), sender id, lease ms. Markers are
 * "<last applied offset>/<run id>", so two runs never expect the same marker, not even two ticks
 * (which keep the offset).
 */
const CHECKPOINT_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[4], ARGV[6])
  redis.call('SET', KEYS[5], ARGV[7], 'PX', ARGV[8])
else
  redis.call('DEL', KEYS[4], KEYS[5])
end
return 1
`;
/** KEYS: outbox, sending. ARGV: its id. Deletes the outbox (and its lease) only if it is still that one ("<id>\n<json>"). */
const CLEAR_OUTBOX_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\\n' then redis.call('DEL', KEYS[1], KEYS[2]) return 1 end
return 0
`;

/**
 * The checkpoint's state value: the core's snapshot, the highest fence number applied per stream and,
 * once watermark records arrived, the sources' progress (source-watermarks.ts).
 */
export type StoredState = { core: unknown; seen: Record<string, number>; sources?: SourceWatermarks };
const STATE_TAG = "sluice.checkpoint";
export type Checkpoint = StoredState & { marker: string; offset: bigint };
/** A message in an outbox: `via`, the node whose own producer sends it (a kafka-sink through a connection). */
export type OutboxMessage = OutgoingMessage & { via?: string };
/**
 * An outbox an earlier run checkpointed: its id (that run's marker), its messages and, while the lease
 * lives, the process sending it.
 */
export type Outbox = { id: string; messages: OutboxMessage[]; sender?: string };

export function readStoredState(text: string | null): StoredState {
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (parsed && typeof parsed === "object" && (parsed as Record<string, unknown>)[STATE_TAG] === 2) {
    const stored = parsed as Partial<StoredState>;
    return {
      core: stored.core ?? undefined,
      seen: stored.seen ?? {},
      ...(stored.sources ? { sources: stored.sources } : {}),
    };
  }
  // Written before fences existed: the bare snapshot.
  return { core: parsed ?? undefined, seen: {} };
}

export const encodeStoredState = (stored: StoredState) => JSON.stringify({ [STATE_TAG]: 2, ...stored });

/** Outbox JSON: a binary message value (kafka-sink's Avro) was written as Buffer's JSON form; read it back as bytes. */
export function reviveBinaryValue(key: string, value: unknown): unknown {
  if (
    key === "value" &&
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "Buffer" &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return value;
}

/** "<id>\n<the messages as JSON>" */
export const encodeOutbox = (id: string, messages: OutboxMessage[]) => `${id}\n${JSON.stringify(messages)}`;

export function parseOutbox(text: string): Outbox {
  const newline = text.indexOf("\n");
  return {
    id: text.slice(0, newline),
    messages: JSON.parse(text.slice(newline + 1), reviveBinaryValue) as OutboxMessage[],
  };
}

export const markerOffset = (marker: string) => BigInt(marker.split("/")[0]!);

/** A new marker for a run that applied through `lastOffset`. */
export const newMarker = (lastOffset: string) => `${lastOffset}/${randomUUID().slice(0, 8)}`;

/** The checkpoint (if any) and an outbox an earlier run left (if any). */
export async function readCheckpoint(
  redis: Redis,
  keys: CheckpointKeys,
): Promise<{ checkpoint?: Checkpoint; outbox?: Outbox }> {
  const [marker, state, outbox, sender] = await redis.mget(keys.marker, keys.state, keys.outbox, keys.sending);
  return {
    ...(marker ? { checkpoint: { marker, offset: markerOffset(marker), ...readStoredState(state ?? null) } } : {}),
    ...(outbox ? { outbox: { ...parseOutbox(outbox), ...(sender ? { sender } : {}) } } : {}),
  };
}

/**
 * An outbox found at the start of a batch: "send" it (its sender is gone, or was this process), or
 * "cleared" once its live sender deleted it (this batch must then read the checkpoint again). Waits
 * while another process's lease lives, so at most about SENDING_LEASE_MS.
 */
export async function outboxHandover(
  redis: Redis,
  keys: CheckpointKeys,
  outbox: Outbox,
  self: string = SENDER_ID,
): Promise<"send" | "cleared"> {
  if (!outbox.sender || outbox.sender === self) return "send";
  const deadline = Date.now() + SENDING_LEASE_MS + 1000;
  for (;;) {
    await sleep(SENDING_POLL_MS);
    const [current, sender] = await redis.mget(keys.outbox, keys.sending);
    if (!current || !current.startsWith(`${outbox.id}\n`)) return "cleared";
    if (!sender || Date.now() > deadline) return "send";
  }
}

/**
 * Checkpoints state, marker, watermark and outbox in one atomic step if the marker is still
 * `expected` (else returns false: another run checkpointed this partition since it was read).
 */
export async function writeCheckpoint(
  redis: Redis,
  keys: CheckpointKeys,
  watermarksKey: string,
  write: {
    expected: string;
    marker: string;
    stored: StoredState;
    partition: number;
    watermark: string;
    outbox: OutboxMessage[];
    /** The sending process (default: this one) and its lease (tests set them). */
    sender?: string;
    leaseMs?: number;
  },
): Promise<boolean> {
  const applied = await runRedisScript(
    redis,
    CHECKPOINT_SCRIPT,
    [keys.marker, keys.state, watermarksKey, keys.outbox, keys.sending],
    [
      write.expected,
      write.marker,
      encodeStoredState(write.stored),
      String(write.partition),
      write.watermark,
      write.outbox.length > 0 ? encodeOutbox(write.marker, write.outbox) : "",
      write.sender ?? SENDER_ID,
      String(write.leaseMs ?? SENDING_LEASE_MS),
    ],
  );
  return applied === 1;
}

/** Deletes the outbox if it is still the one with this id. */
export async function clearOutbox(redis: Redis, keys: CheckpointKeys, id: string): Promise<void> {
  await runRedisScript(redis, CLEAR_OUTBOX_SCRIPT, [keys.outbox, keys.sending], [id]);
}
