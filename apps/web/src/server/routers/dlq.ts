import "server-only";
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { PrismaClient } from "@sluice/db";
import { createKafkaReader, type ConsumedMessage, type KafkaProducer, type KafkaReader, type Logger, type OutgoingMessage } from "@sluice/kafka";
import { decodeDeadLetterHeaders, type JsonValue, normalizeIngestPayload, type Role, roleHasScope } from "@sluice/shared";
import { env } from "../env";
import { kafka } from "../kafka";
import { type ObservedPipeline, observedPipeline, piiMasker } from "../pipelines/observed";
import type { AuditDb } from "../audit";
import { router, scopedProcedure } from "../trpc/init";
import { chunks, REPLAY_ATTEMPTS_HEADER, REPLAY_NODE_HEADER, UNDECODABLE_RECORD_CODE } from "@sluice/shared";

/** The inbox reads at most this many of the newest records per DLQ partition (bounded reads). */
const WINDOW_PER_PARTITION = 200;
/**
 * "Replay all" / "discard all" act on every unhandled retained dead letter, read from the start of each
 * DLQ partition, up to this many per partition per call (the answer says when more are left: call again).
 */
const ALL_PER_PARTITION = 10_000;
/** "All" reads each partition in pages of this many records. */
const ALL_PAGE = 2000;
/** Marks are inserted in chunks (Postgres allows 65,535 parameters per statement). */
const CLAIM_CHUNK = 1000;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const g = globalThis as unknown as { sluiceDlqReader?: KafkaReader; sluiceDlqProducer?: KafkaProducer };
function reader(): KafkaReader {
  g.sluiceDlqReader ??= createKafkaReader({ brokers: env().KAFKA_BROKERS.split(","), clientId: "sluice-web", log: quiet, connectTimeoutMs: 2000 });
  return g.sluiceDlqReader;
}
function producer(): KafkaProducer {
  g.sluiceDlqProducer ??= kafka().producer({ name: "dlq-replay" });
  return g.sluiceDlqProducer;
}

type DeadLetter = {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  nodeId: string;
  code: string;
  message: string;
  attempt: number | null;
  failedAt: string | null;
  time: number;
  source: { topic: string; partition: number | null; offset: string | null } | null;
  key: string | null;
  handled: { action: "replayed" | "discarded"; at: Date } | null;
  record: ConsumedMessage;
};


const recordId = (topic: string, partition: number, offset: bigint | string) => `${topic}:${partition}:${offset}`;

/** The DLQ topics of the deployed plan, by node. */
function deadLetterTopics(observed: ObservedPipeline): { nodeId: string; topic: string }[] {
  return observed.plan?.topics.filter((t) => t.kind === "dlq").map((t) => ({ nodeId: t.nodeId, topic: t.name })) ?? [];
}

/** A DLQ record as the inbox shows it (not yet marked with its action). */
function toDeadLetter(m: ConsumedMessage, topic: string, owner: string): DeadLetter {
  const headers = decodeDeadLetterHeaders(m.headers);
  const h = headers.success ? headers.data : null;
  return {
    id: recordId(topic, m.partition, m.offset),
    topic,
    partition: m.partition,
    offset: m.offset.toString(),
    nodeId: h?.nodeId ?? owner,
    code: h?.errorCode ?? "unknown",
    message: h?.errorMessage ?? "",
    attempt: h?.attempt ?? null,
    failedAt: h?.failedAt ?? null,
    time: Number(m.timestamp),
    source: h?.sourceTopic ? { topic: h.sourceTopic, partition: h.sourcePartition ?? null, offset: h.sourceOffset ?? null } : null,
    key: m.key?.toString() ?? null,
    handled: null,
    record: m,
  };
}

/** Sets `handled` from the inbox's marks (one query: an offset range per topic partition). */
async function markHandled(prisma: PrismaClient, pipelineId: string, records: DeadLetter[]): Promise<void> {
  if (records.length === 0) return;
  const ranges = new Map<string, { topic: string; partition: number; gte: bigint; lte: bigint }>();
  for (const r of records) {
    const offset = BigInt(r.offset);
    const range = ranges.get(`${r.topic}:${r.partition}`);
    if (!range) ranges.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, gte: offset, lte: offset });
    else {
      if (offset < range.gte) range.gte = offset;
      if (offset > range.lte) range.lte = offset;
    }
  }
  const actions = await prisma.deadLetterAction.findMany({
    where: { pipelineId, OR: [...ranges.values()].map(({ topic, partition, gte, lte }) => ({ topic, partition, offset: { gte, lte } })) },
    select: { topic: true, partition: true, offset: true, action: true, createdAt: true },
  });
  const byId = new Map(actions.map((a) => [recordId(a.topic, a.partition, a.offset), { action: a.action, at: a.createdAt }]));
  for (const r of records) r.handled = byId.get(r.id) ?? null;
}

/**
 * Dead letters of each DLQ topic of the pipeline, marked with their inbox actions: the newest
 * WINDOW_PER_PARTITION per partition; or with `scope: "all"` the unhandled ones from the start of each
 * partition, read page by page, up to ALL_PER_PARTITION per partition (`more`: some were left).
 */
async function readDeadLetters(prisma: PrismaClient, observed: ObservedPipeline, nodeId?: string, scope: "newest" | "all" = "newest") {
  const topics = deadLetterTopics(observed).filter((t) => !nodeId || t.nodeId === nodeId);
  const totals: Record<string, number> = {};
  const records: DeadLetter[] = [];
  let more = false;
  for (const { nodeId: owner, topic } of topics) {
    const ranges = (await reader().ranges(topic)).filter((r) => r.end > r.earliest);
    totals[owner] = ranges.reduce((sum, r) => sum + Number(r.end - r.earliest), 0);
    if (scope === "newest") {
      const window = BigInt(WINDOW_PER_PARTITION);
      const from = ranges.map((r) => ({ partition: r.partition, offset: r.end - window > r.earliest ? r.end - window : r.earliest }));
      if (from.length > 0) for (const m of await reader().read({ topic, from, maxPerPartition: WINDOW_PER_PARTITION })) records.push(toDeadLetter(m, topic, owner));
      continue;
    }
    for (const range of ranges) {
      let cursor = range.earliest;
      let kept = 0;
      while (cursor < range.end && kept < ALL_PER_PARTITION) {
        const page = (await reader().read({ topic, from: [{ partition: range.partition, offset: cursor }], maxPerPartition: ALL_PAGE })).map((m) => toDeadLetter(m, topic, owner));
        if (page.length === 0) break;
        await markHandled(prisma, observed.pipelineId, page);
        const open = page.filter((r) => !r.handled);
        records.push(...open);
        kept += open.length;
        cursor = BigInt(page.at(-1)!.offset) + 1n;
      }
      if (cursor < range.end) more = true;
    }
  }
  if (scope === "newest") await markHandled(prisma, observed.pipelineId, records);
  records.sort((a, b) => b.time - a.time || a.id.localeCompare(b.id));
  return { records, totals, more };
}

const Selection = z.object({
  pipelineId: z.string().min(1).max(64),
  /** Record ids (`topic:partition:offset`) from dlq.list; or `all` with an optional node/code filter. */
  ids: z.array(z.string().min(1).max(400)).min(1).max(500).optional(),
  all: z.object({ nodeId: z.string().min(1).max(64).optional(), code: z.string().min(1).max(200).optional() }).optional(),
});

/** The unhandled dead letters a replay/discard request names (ids, or every one matching the filter). */
async function selected(prisma: PrismaClient, observed: ObservedPipeline, input: z.infer<typeof Selection>) {
  if (!input.ids && !input.all) throw new TRPCError({ code: "BAD_REQUEST", message: "Select dead letters, or all." });
  // Ids come from the inbox's list (the newest records); "all" means every retained one.
  const { records, more } = await readDeadLetters(prisma, observed, input.all?.nodeId, input.ids ? "newest" : "all");
  const ids = input.ids ? new Set(input.ids) : null;
  return { records: records.filter((r) => !r.handled && (ids ? ids.has(r.id) : !input.all?.code || r.code === input.all.code)), more: !ids && more };
}

/** Claims records for an action; returns the ones this call claimed (a second click claims nothing). */
async function claim(prisma: AuditDb, workspaceId: string, pipelineId: string, userId: string, action: "replayed" | "discarded", records: DeadLetter[]) {
  const claimed = new Set<string>();
  for (const chunk of chunks(records, CLAIM_CHUNK)) {
    const rows = await prisma.deadLetterAction.createManyAndReturn({
      data: chunk.map((r) => ({ workspaceId, pipelineId, nodeId: r.nodeId, topic: r.topic, partition: r.partition, offset: BigInt(r.offset), action, userId })),
      skipDuplicates: true,
      select: { topic: true, partition: true, offset: true },
    });
    for (const r of rows) claimed.add(recordId(r.topic, r.partition, r.offset));
  }
  return records.filter((r) => claimed.has(r.id));
}

async function unclaim(prisma: PrismaClient, records: DeadLetter[]) {
  for (const chunk of chunks(records, CLAIM_CHUNK)) {
    await prisma.deadLetterAction.deleteMany({ where: { OR: chunk.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.offset) })) } });
  }
}

/**
 * Where a dead letter goes on replay, per the deployed plan: back into the input topic of the stage
 * that contains its node, with a header making it enter the chain at that node. An ingest node's
 * rejects are validated again with the node's current settings and go to its output topic if valid.
 */
function replayMessage(observed: ObservedPipeline, r: DeadLetter): { ok: true; message: OutgoingMessage } | { ok: false; reason: string } {
  const plan = observed.plan;
  if (!plan) return { ok: false, reason: "the deployed version does not compile" };
  const value = r.record.value;
  if (!value) return { ok: false, reason: "the record has no value" };
  // The runner wraps a value that was not a JSON object as { raw }: replaying it would inject that wrapper.
  if (r.code === UNDECODABLE_RECORD_CODE) return { ok: false, reason: "the original value was not a JSON object; fix the producer instead" };
  const ingest = plan.ingest.find((i) => i.nodeId === r.nodeId);
  if (ingest) {
    let body: unknown;
    try {
      body = JSON.parse(value.toString("utf8"));
    } catch {
      return { ok: false, reason: "not JSON" };
    }
    const result = normalizeIngestPayload(body, ingest.config, { receivedAt: Date.now(), newId: randomUUID });
    if (!result.ok) return { ok: false, reason: result.message };
    const [event] = result.accepted;
    if (!event) return { ok: false, reason: result.rejected[0]?.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") ?? "still invalid" };
    return { ok: true, message: { topic: ingest.topic, key: r.key, value: JSON.stringify(event) } };
  }
  const stage = plan.stages.find((s) => s.nodes.some((n) => n.id === r.nodeId));
  if (!stage) return { ok: false, reason: `node ${r.nodeId} is not in the deployed version` };
  const topic = stage.inputTopics.find((t) => !stage.deadLetterInputs.includes(t));
  if (!topic || !plan.topics.some((t) => t.name === topic && t.managed)) return { ok: false, reason: "its stage reads an external topic, which the inbox never writes to" };
  const headers = { [REPLAY_NODE_HEADER]: r.nodeId, ...(r.attempt ? { [REPLAY_ATTEMPTS_HEADER]: String(r.attempt) } : {}) };
  return { ok: true, message: { topic, key: r.key, value, headers } };
}

export const dlqRouter = router({
  /**
   * Dead letters of a pipeline's deployed version, newest first, grouped by node and error code.
   * Reads at most WINDOW_PER_PARTITION of the newest records per DLQ partition; `total` per node is
   * everything retained. Payloads are PII-masked unless the role has dlq:read-raw.
   */
  list: scopedProcedure("dlq:read")
    .input(
      z.object({
        pipelineId: z.string().min(1).max(64),
        nodeId: z.string().min(1).max(64).optional(),
        showHandled: z.boolean().default(false),
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.number().int().min(0).max(100_000).default(0),
      }),
    )
    .query(async ({ ctx, input }) => {
      const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      const { records, totals } = await readDeadLetters(ctx.prisma, observed, input.nodeId);
      const raw = roleHasScope(ctx.role as Role, "dlq:read-raw");
      const mask = observed.graph ? piiMasker(observed.graph) : () => "[masked]";
      const groups = new Map<string, { nodeId: string; code: string; count: number; handled: number; sample: string }>();
      for (const r of records) {
        const key = `${r.nodeId}\u0000${r.code}`;
        const group = groups.get(key) ?? { nodeId: r.nodeId, code: r.code, count: 0, handled: 0, sample: r.message };
        if (r.handled) group.handled += 1;
        else group.count += 1;
        groups.set(key, group);
      }
      const visible = records.filter((r) => input.showHandled || !r.handled);
      const page = visible.slice(input.cursor, input.cursor + input.limit);
      const labels = new Map(observed.graph?.nodes.map((n) => [n.id, n.label ?? n.id]) ?? []);
      return {
        deployment: observed.deployment,
        raw,
        nodes: deadLetterTopics(observed).map((t) => ({ nodeId: t.nodeId, label: labels.get(t.nodeId) ?? t.nodeId, total: totals[t.nodeId] ?? 0 })),
        groups: [...groups.values()].sort((a, b) => b.count - a.count),
        items: page.map(({ record, ...r }) => {
          const text = record.value?.toString("utf8") ?? "";
          let payload: JsonValue;
          try {
            payload = JSON.parse(text) as JsonValue;
          } catch {
            payload = text;
          }
          return { ...r, payload: raw ? payload : typeof payload === "string" ? "[masked]" : mask(payload) };
        }),
        nextCursor: input.cursor + input.limit < visible.length ? input.cursor + input.limit : null,
      };
    }),

  /** Replays selected (or all matching) dead letters into their node's input. Each record at most once. */
  replay: scopedProcedure("dlq:replay")
    .input(Selection)
    .mutation(async ({ ctx, input }) => {
      const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      if (!observed.plan) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Deploy the pipeline (with the fix) before replaying." });
      const { records: candidates, more } = await selected(ctx.prisma, observed, input);
      const claimed = await claim(ctx.prisma, ctx.workspace.id, input.pipelineId, ctx.user.id, "replayed", candidates);
      const messages: OutgoingMessage[] = [];
      const replayed: DeadLetter[] = [];
      const failed: { id: string; reason: string }[] = [];
      for (const r of claimed) {
        const target = replayMessage(observed, r);
        if (target.ok) {
          messages.push(target.message);
          replayed.push(r);
        } else failed.push({ id: r.id, reason: target.reason });
      }
      await unclaim(ctx.prisma, claimed.filter((r) => !replayed.includes(r)));
      try {
        if (messages.length > 0) await producer().send(messages);
      } catch (error) {
        await unclaim(ctx.prisma, replayed);
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Kafka refused the replay: ${(error as Error).message}` });
      }
      await ctx.audit({
        action: "dlq.replay",
        resourceType: "pipeline",
        resourceId: input.pipelineId,
        summary: { replayed: replayed.length, failed: failed.length, alreadyHandled: candidates.length - claimed.length, nodes: [...new Set(replayed.map((r) => r.nodeId))] },
      });
      const running = observed.deployment?.desiredState === "running";
      return {
        replayed: replayed.map((r) => r.id),
        failed,
        more,
        warning: running ? null : "The pipeline is not running: replayed events wait in its topic until it is deployed again.",
      };
    }),

  /** Discards selected (or all matching) dead letters: hidden from the inbox, recorded in the audit log. */
  discard: scopedProcedure("dlq:discard")
    .input(Selection)
    .mutation(async ({ ctx, input }) => {
      const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      const { records: candidates, more } = await selected(ctx.prisma, observed, input);
      // The marks and their audit row commit together.
      const claimed = await ctx.prisma.$transaction(async (tx) => {
        const rows = await claim(tx, ctx.workspace.id, input.pipelineId, ctx.user.id, "discarded", candidates);
        await ctx.audit(
          {
            action: "dlq.discard",
            resourceType: "pipeline",
            resourceId: input.pipelineId,
            summary: { discarded: rows.length, nodes: [...new Set(rows.map((r) => r.nodeId))], ids: rows.slice(0, 50).map((r) => r.id) },
          },
          tx,
        );
        return rows;
      }, { timeout: 60_000 });
      return { discarded: claimed.map((r) => r.id), more };
    }),
});
