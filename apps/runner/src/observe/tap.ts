// Live tap, runner side. The web app announces a watched output port (pipeline, node, port) in the
// sorted set TAP_INDEX_KEY (member `<pipeline>:<node>:<port>`, score = expiry in epoch ms, refreshed
// while a viewer watches). Each process re-reads the set at most once a second, lazily, from the hook
// below; with no active tap a hook call costs one clock read and a size check, never per-record work.
// For an active tap, at most TAP_MAX_PER_SECOND of the newest records per second per process are
// PUBLISHed on `sluice:tap:<pipeline>` (raw: masking is the web's job, per viewer role).
import type { Redis } from "ioredis";
import type { EventRecord } from "@sluice/shared";
import { encodeMessage, TAP_INDEX_KEY, tapChannel, tapMember, TapMessageV1 } from "@sluice/shared";

export const TAP_MAX_PER_SECOND = 20;
const REFRESH_MS = 1000;
/** A sampled record larger than this is replaced by a note (the tap is for looking, not for bulk). */
const MAX_RECORD_CHARS = 32_000;

class TapRegistry {
  private active = new Set<string>();
  private refreshedAt = 0;
  private redis: Redis | undefined;
  /** Per active tap: the current one-second window and how many records it already published. */
  private budget = new Map<string, { second: number; sent: number }>();

  /** Called where a node's output records are produced. `redis` may be omitted by callers without one. */
  offer(
    redis: Redis | undefined,
    pipelineId: string,
    nodeId: string,
    port: string,
    records: readonly EventRecord[],
  ): void {
    if (records.length === 0) return;
    if (redis) this.redis = redis;
    const now = Date.now();
    if (now - this.refreshedAt >= REFRESH_MS) this.refresh(now);
    if (this.active.size === 0) return;
    const member = tapMember(pipelineId, nodeId, port);
    if (!this.active.has(member) || !this.redis) return;
    const second = Math.floor(now / 1000);
    const b = this.budget.get(member);
    const used = b && b.second === second ? b.sent : 0;
    const take = Math.min(TAP_MAX_PER_SECOND - used, records.length);
    if (take <= 0) return;
    this.budget.set(member, { second, sent: used + take });
    const events = records.slice(records.length - take).map((record) => {
      const text = JSON.stringify(record);
      return text.length <= MAX_RECORD_CHARS
        ? text
        : JSON.stringify({ _tap: `record of ${text.length} characters not shown` });
    });
    this.redis
      .publish(tapChannel(pipelineId), encodeMessage(TapMessageV1, { v: 1, nodeId, port, at: now, events }))
      .catch(() => {
        /* a lost sample is harmless: the tap is best effort */
      });
  }

  private refresh(now: number) {
    this.refreshedAt = now;
    const redis = this.redis;
    if (!redis) return;
    redis
      .zrangebyscore(TAP_INDEX_KEY, now, "+inf")
      .then((members) => {
        this.active = new Set(members);
        for (const key of this.budget.keys()) if (!this.active.has(key)) this.budget.delete(key);
      })
      .catch(() => {
        /* keep the previous set; retried on the next refresh */
      });
  }
}

const registry = new TapRegistry();

/** The hook: offers a node's output records on one port to the live tap (no-op unless watched). */
export function tapOutputs(
  redis: Redis | undefined,
  pipelineId: string,
  nodeId: string,
  port: string,
  records: readonly EventRecord[],
): void {
  registry.offer(redis, pipelineId, nodeId, port, records);
}
