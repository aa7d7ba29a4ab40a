import "server-only";
import type { PrismaClient } from "@sluice/db";
import { createKafkaReader, type ConsumedMessage, type KafkaReader, type Logger } from "@sluice/kafka";
import { chunks, decodeDeadLetterHeaders } from "@sluice/shared";
import type { AuditDb } from "../../audit";
import { env } from "../../env";
import { InvalidInputError } from "../../errors";
import type { ObservedPipeline } from "../../pipelines/observed";
import { singleton } from "../../singleton";

// The dead-letter inbox's persistence: DLQ topics read from Kafka (bounded), and the inbox's marks
// (DeadLetterAction rows, one per handled record) that make each record replayed or discarded at most once.

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
const reader = singleton(
  "dlqReader",
  (): KafkaReader =>
    createKafkaReader({
      brokers: env().KAFKA_BROKERS.split(","),
      clientId: "sluice-web",
      log: quiet,
      connectTimeoutMs: 2000,
    }),
);

export type DeadLetter = {
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
export function deadLetterTopics(observed: ObservedPipeline): { nodeId: string; topic: string }[] {
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
    source: h?.sourceTopic
      ? { topic: h.sourceTopic, partition: h.sourcePartition ?? null, offset: h.sourceOffset ?? null }
      : null,
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
    if (!range)
      ranges.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, gte: offset, lte: offset });
    else {
      if (offset < range.gte) range.gte = offset;
      if (offset > range.lte) range.lte = offset;
    }
  }
  const actions = await prisma.deadLetterAction.findMany({
    where: {
      pipelineId,
      OR: [...ranges.values()].map(({ topic, partition, gte, lte }) => ({ topic, partition, offset: { gte, lte } })),
    },
    select: { topic: true, partition: true, offset: true, action: true, createdAt: true },
  });
  const byId = new Map(
    actions.map((a) => [recordId(a.topic, a.partition, a.offset), { action: a.action, at: a.createdAt }]),
  );
  for (const r of records) r.handled = byId.get(r.id) ?? null;
}

/**
 * Dead letters of each DLQ topic of the pipeline, marked with their inbox actions: the newest
 * WINDOW_PER_PARTITION per partition; or with `scope: "all"` the unhandled ones from the start of each
 * partition, read page by page, up to ALL_PER_PARTITION per partition (`more`: some were left).
 */
export async function readDeadLetters(
  prisma: PrismaClient,
  observed: ObservedPipeline,
  nodeId?: string,
  scope: "newest" | "all" = "newest",
) {
  const topics = deadLetterTopics(observed).filter((t) => !nodeId || t.nodeId === nodeId);
  const totals: Record<string, number> = {};
  const records: DeadLetter[] = [];
  let more = false;
  for (const { nodeId: owner, topic } of topics) {
    const ranges = (await reader().ranges(topic)).filter((r) => r.end > r.earliest);
    totals[owner] = ranges.reduce((sum, r) => sum + Number(r.end - r.earliest), 0);
    if (scope === "newest") {
      const window = BigInt(WINDOW_PER_PARTITION);
      const from = ranges.map((r) => ({
        partition: r.partition,
        offset: r.end - window > r.earliest ? r.end - window : r.earliest,
      }));
      if (from.length > 0)
        for (const m of await reader().read({ topic, from, maxPerPartition: WINDOW_PER_PARTITION }))
          records.push(toDeadLetter(m, topic, owner));
      continue;
    }
    for (const range of ranges) {
      let cursor = range.earliest;
      let kept = 0;
      while (cursor < range.end && kept < ALL_PER_PARTITION) {
        const page = (
          await reader().read({
            topic,
            from: [{ partition: range.partition, offset: cursor }],
            maxPerPartition: ALL_PAGE,
          })
        ).map((m) => toDeadLetter(m, topic, owner));
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

/** Which dead letters a replay/discard names: record ids (`topic:partition:offset`) from the list, or `all` with an optional node/code filter. */
export type DeadLetterSelection = {
  ids?: string[] | undefined;
  all?: { nodeId?: string | undefined; code?: string | undefined } | undefined;
};

/** The unhandled dead letters a replay/discard request names (ids, or every one matching the filter). */
export async function selectDeadLetters(prisma: PrismaClient, observed: ObservedPipeline, input: DeadLetterSelection) {
  if (!input.ids && !input.all) throw new InvalidInputError("Select dead letters, or all.");
  // Ids come from the inbox's list (the newest records); "all" means every retained one.
  const { records, more } = await readDeadLetters(prisma, observed, input.all?.nodeId, input.ids ? "newest" : "all");
  const ids = input.ids ? new Set(input.ids) : null;
  return {
    records: records.filter((r) => !r.handled && (ids ? ids.has(r.id) : !input.all?.code || r.code === input.all.code)),
    more: !ids && more,
  };
}

/** Claims records for an action; returns the ones this call claimed (a second click claims nothing). */
export async function claim(
  prisma: AuditDb,
  workspaceId: string,
  pipelineId: string,
  userId: string,
  action: "replayed" | "discarded",
  records: DeadLetter[],
) {
  const claimed = new Set<string>();
  for (const chunk of chunks(records, CLAIM_CHUNK)) {
    const rows = await prisma.deadLetterAction.createManyAndReturn({
      data: chunk.map((r) => ({
        workspaceId,
        pipelineId,
        nodeId: r.nodeId,
        topic: r.topic,
        partition: r.partition,
        offset: BigInt(r.offset),
        action,
        userId,
      })),
      skipDuplicates: true,
      select: { topic: true, partition: true, offset: true },
    });
    for (const r of rows) claimed.add(recordId(r.topic, r.partition, r.offset));
  }
  return records.filter((r) => claimed.has(r.id));
}

export async function unclaim(prisma: PrismaClient, records: DeadLetter[]) {
  for (const chunk of chunks(records, CLAIM_CHUNK)) {
    await prisma.deadLetterAction.deleteMany({
      where: { OR: chunk.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.offset) })) },
    });
  }
}
