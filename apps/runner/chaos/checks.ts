// What the chaos scenarios measure and assert, read from the real broker and the real sink tables:
// consumer lag of every stage group, the events table (exactly once, per-user order), the window
// counts (exact per window), and the dead-letter topics (exactly the poison events, with reasons).
import type pg from "pg";
import type { Kafka } from "@sluice/kafka";
import { decodeDeadLetterHeaders } from "@sluice/shared";
import type { Plan } from "@sluice/shared";
import type { ChaosEvent } from "./load-client";
import { WINDOW_MS } from "./pipeline";

/** Total lag (messages) over every stage group of the plan: end offsets minus committed offsets. */
export async function pipelineLag(kafka: Kafka, plan: Plan): Promise<number> {
  return (await lagByPartition(kafka, plan)).reduce((sum, p) => sum + p.lag, 0);
}

/** Lag of every stage's group on every partition of its input topics. */
export async function lagByPartition(
  kafka: Kafka,
  plan: Plan,
): Promise<{ stage: string; topic: string; partition: number; lag: number }[]> {
  const lags: { stage: string; topic: string; partition: number; lag: number }[] = [];
  for (const stage of plan.stages) {
    const [ends, committed] = await Promise.all([
      kafka.admin.endOffsets(stage.inputTopics),
      kafka.admin.committedOffsets(stage.groupId, stage.inputTopics),
    ]);
    const done = new Map(committed.map((c) => [`${c.topic}/${c.partition}`, c.offset]));
    for (const end of ends)
      lags.push({
        stage: stage.id,
        topic: end.topic,
        partition: end.partition,
        lag: Number(end.offset - (done.get(`${end.topic}/${end.partition}`) ?? 0n)),
      });
  }
  return lags;
}

export type LagSampler = { max(): number; last(): number; samples(): { at: number; lag: number }[]; stop(): void };

/** Samples the lag every `everyMs` (measurement errors, e.g. while the broker restarts, are skipped). */
export function sampleLag(kafka: Kafka, plan: Plan, everyMs = 1000): LagSampler {
  const samples: { at: number; lag: number }[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pipelineLag(kafka, plan)
      .then((lag) => samples.push({ at: Date.now(), lag }))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  return {
    max: () => samples.reduce((m, s) => Math.max(m, s.lag), 0),
    last: () => samples.at(-1)?.lag ?? 0,
    samples: () => samples,
    stop: () => clearInterval(timer),
  };
}

/**
 * Waits until every stage group has committed everything. Resolves to the time it took (ms), or to
 * the lag it got stuck at: no progress for `stuckMs`, or `timeoutMs` in all.
 */
export async function waitLagZero(
  kafka: Kafka,
  plan: Plan,
  options: { timeoutMs: number; stuckMs: number },
): Promise<{ ms: number; stuckAt?: number; where?: string }> {
  const started = Date.now();
  let last = -1;
  let since = started;
  while (Date.now() - started < options.timeoutMs && Date.now() - since < options.stuckMs) {
    const lag = await pipelineLag(kafka, plan).catch(() => -1);
    if (lag === 0) return { ms: Date.now() - started };
    if (lag !== last) since = Date.now();
    last = lag;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Where it is stuck: the stage and partitions still behind (for the report).
  const behind = await lagByPartition(kafka, plan).catch(() => []);
  const where = behind
    .filter((p) => p.lag > 0)
    .map((p) => `${p.stage} ${p.topic.split(".").at(-1)}/${p.partition}: ${p.lag}`)
    .join(", ");
  return { ms: Date.now() - started, stuckAt: last, where };
}

export type Check = { name: string; ok: boolean; detail: string };

const preview = (xs: string[]) => `${xs.slice(0, 5).join(", ")}${xs.length > 5 ? ` … (+${xs.length - 5})` : ""}`;

/**
 * Every accepted valid event is in the events table exactly once (the primary key makes a second row
 * impossible, so "once" = no id missing and none that was never accepted), and per user the rows
 * were first inserted in the order of their sequence numbers.
 */
export async function checkEventsTable(
  db: pg.Client,
  table: string,
  expected: ChaosEvent[],
  ignore: Set<string>,
): Promise<{ checks: Check[]; redelivered: number }> {
  const rows = await db.query<{ event_id: string; user_id: string; seq: number; deliveries: number }>(
    `SELECT event_id, user_id, seq, deliveries FROM ${table} ORDER BY ord`,
  );
  const want = new Set(expected.map((e) => e.id));
  const seen = new Set<string>();
  const unexpected: string[] = [];
  let redelivered = 0;
  const lastSeq = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const row of rows.rows) {
    if (ignore.has(row.event_id)) continue;
    seen.add(row.event_id);
    if (!want.has(row.event_id)) unexpected.push(row.event_id);
    redelivered += row.deliveries - 1;
    const previous = lastSeq.get(row.user_id) ?? -1;
    if (row.seq <= previous) outOfOrder.push(`${row.user_id}#${row.seq} after #${previous}`);
    lastSeq.set(row.user_id, Math.max(previous, row.seq));
  }
  const missing = [...want].filter((id) => !seen.has(id));
  return {
    redelivered,
    checks: [
      {
        name: "every accepted event in the sink exactly once",
        ok: missing.length === 0 && unexpected.length === 0,
        detail: `${seen.size} rows for ${want.size} accepted; missing ${missing.length}${missing.length ? ` (${preview(missing)})` : ""}; unexpected ${unexpected.length}${unexpected.length ? ` (${preview(unexpected)})` : ""}`,
      },
      {
        name: "per-user order (first insertion follows the sequence)",
        ok: outOfOrder.length === 0,
        detail: `${outOfOrder.length} rows inserted before an earlier event of the same user${outOfOrder.length ? `: ${preview(outOfOrder)}` : ""}`,
      },
    ],
  };
}

export type WindowResult = { eventType: string; windowStart: string; events: number };

/**
 * Each (type, 10 s window) row holds exactly the number of accepted valid events in it. `deadLettered`:
 * window results a sink dead-lettered instead of writing (they count when the table lacks the window).
 */
export async function checkWindowCounts(
  db: pg.Client,
  table: string,
  expected: ChaosEvent[],
  deadLettered: WindowResult[] = [],
): Promise<Check> {
  const want = new Map<string, number>();
  for (const e of expected) {
    const start = Math.floor(Date.parse(e.timestamp) / WINDOW_MS) * WINDOW_MS;
    const key = `${e.type}@${new Date(start).toISOString()}`;
    want.set(key, (want.get(key) ?? 0) + 1);
  }
  const rows = await db.query<{ event_type: string; window_start: Date; events: string; revision: number }>(
    `SELECT event_type, window_start, events, revision FROM ${table}`,
  );
  const revision = new Map(rows.rows.map((r) => [`${r.event_type}@${r.window_start.toISOString()}`, r.revision]));
  const got = new Map(rows.rows.map((r) => [`${r.event_type}@${r.window_start.toISOString()}`, Number(r.events)]));
  for (const d of deadLettered) {
    const key = `${d.eventType}@${new Date(d.windowStart).toISOString()}`;
    // Results of one window only grow (late updates): the largest dead-lettered one is the latest.
    if (!rows.rows.some((r) => `${r.event_type}@${r.window_start.toISOString()}` === key))
      got.set(key, Math.max(got.get(key) ?? 0, d.events));
  }
  const wrong: string[] = [];
  let over = 0;
  let under = 0;
  for (const [key, count] of want) {
    const n = got.get(key);
    if (n === count) continue;
    wrong.push(`${key}: ${n ?? "missing"} != ${count} (revision ${revision.get(key) ?? "-"})`);
    if ((n ?? 0) > count) over += (n ?? 0) - count;
    else under += count - (n ?? 0);
  }
  const total = [...got.entries()].filter(([key]) => want.has(key)).reduce((sum, [, n]) => sum + n, 0);
  return {
    name: "window counts exact (every window, every type)",
    ok: wrong.length === 0,
    detail: `${want.size} windows, ${total} events counted for ${expected.length} accepted; wrong ${wrong.length}${wrong.length ? ` (+${over} counted twice, -${under} not counted): ${preview(wrong)}` : ""}`,
  };
}

/** Messages of `topic` (start to current end) whose event id appeared before: duplicates a stage emitted. */
/**
 * Reads a stateful stage's input topic from the start and replays what its fence does (see
 * stage-step.ts, FENCE_HEADER): per partition, in offset order, a record whose fence number is at or
 * below the highest applied from its stream is skipped. `repeated`: messages whose id came before in
 * the topic; `skippedNeverApplied`: skipped records whose id was never applied in that partition
 * before (a broken fence: events the stateful stage would never count); `unnumbered`: no fence header.
 */
export async function auditFencedTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
): Promise<{
  messages: number;
  repeated: number;
  skipped: number;
  skippedNeverApplied: number;
  unnumbered: number;
  examples: string[];
}> {
  const ends = await kafka.admin.endOffsets([topic]);
  const total = ends.reduce((sum, e) => sum + Number(e.offset), 0);
  const seen = new Set<string>();
  const applied = new Map<number, Set<string>>();
  const highest = new Map<string, number>();
  const examples: string[] = [];
  const result = { messages: 0, repeated: 0, skipped: 0, skippedNeverApplied: 0, unnumbered: 0 };
  const consumer = kafka.consumer({
    groupId: `chaos-reader-${Date.now()}`,
    topics: [topic],
    startFrom: "earliest",
    fetch: { maxWaitMs: 100 },
  });
  await consumer.start({
    onMessage(m) {
      result.messages++;
      const id = (JSON.parse(m.value?.toString() ?? "{}") as { id?: string }).id ?? "";
      if (seen.has(id)) result.repeated++;
      seen.add(id);
      const ids = applied.get(m.partition) ?? new Set<string>();
      applied.set(m.partition, ids);
      const fence = m.headers["x-sluice-src"];
      if (!fence) {
        result.unnumbered++;
        ids.add(id);
        return;
      }
      const [stream, n] = [fence.slice(0, fence.indexOf(" ")), Number(fence.slice(fence.indexOf(" ") + 1))];
      const key = `${m.partition}/${stream}`;
      const max = highest.get(key);
      if (max !== undefined && n <= max) {
        result.skipped++;
        if (!ids.has(id)) {
          result.skippedNeverApplied++;
          if (examples.length < 5) examples.push(`${id} p${m.partition}@${m.offset} n=${n} <= ${max} (${stream})`);
        }
        return;
      }
      highest.set(key, n);
      ids.add(id);
    },
    onError: () => undefined,
  });
  const deadline = Date.now() + timeoutMs;
  while (result.messages < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.close();
  return { ...result, examples };
}

export type DeadLetter = {
  id: string;
  nodeId: string;
  errorCode: string;
  errorMessage: string;
  attempt: number;
  value: Record<string, unknown>;
};

/** Every message of the plan's dead-letter topics (read from the start until the end offsets). */
export async function readDeadLetters(kafka: Kafka, plan: Plan, timeoutMs = 30_000): Promise<DeadLetter[]> {
  const topics = plan.topics.filter((t) => t.kind === "dlq").map((t) => t.name);
  const ends = await kafka.admin.endOffsets(topics);
  const total = ends.reduce((sum, e) => sum + Number(e.offset), 0);
  if (total === 0) return [];
  const letters: DeadLetter[] = [];
  const consumer = kafka.consumer({
    groupId: `chaos-dlq-reader-${Date.now()}`,
    topics,
    startFrom: "earliest",
    fetch: { maxWaitMs: 100 },
  });
  let failed: Error | undefined;
  await consumer.start({
    onMessage(m) {
      const headers = decodeDeadLetterHeaders(m.headers);
      const value = JSON.parse(m.value?.toString() ?? "{}") as Record<string, unknown>;
      const id = typeof value["id"] === "string" ? value["id"] : "?";
      letters.push(
        headers.success
          ? {
              id,
              nodeId: headers.data.nodeId,
              errorCode: headers.data.errorCode,
              errorMessage: headers.data.errorMessage,
              attempt: headers.data.attempt,
              value,
            }
          : { id, nodeId: "?", errorCode: "headers missing", errorMessage: "", attempt: 0, value },
      );
    },
    onError: (e) => (failed = e),
  });
  const deadline = Date.now() + timeoutMs;
  while (letters.length < total && !failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.close();
  if (letters.length < total)
    throw new Error(`read ${letters.length} of ${total} dead letters${failed ? `: ${failed.message}` : ""}`);
  return letters;
}

/** Dead letters are exactly the poison events, each with the validate node, an error code and a message. */
export function checkDeadLetters(letters: DeadLetter[], poison: ChaosEvent[]): Check {
  const want = new Set(poison.map((e) => e.id));
  const got = new Map<string, number>();
  for (const l of letters) got.set(l.id, (got.get(l.id) ?? 0) + 1);
  const missing = [...want].filter((id) => !got.has(id));
  const extra = letters.filter((l) => !want.has(l.id)).map((l) => `${l.id} at ${l.nodeId} (${l.errorCode})`);
  const repeated = [...got].filter(([, n]) => n > 1).map(([id]) => id);
  const unexplained = letters
    .filter((l) => l.nodeId !== "validate" || !l.errorCode || !l.errorMessage)
    .map((l) => l.id);
  return {
    name: "exactly the poison events dead-lettered, with reasons",
    ok: missing.length === 0 && extra.length === 0 && unexplained.length === 0,
    detail: `${letters.length} dead letters for ${want.size} poison events; missing ${missing.length}; others ${extra.length}${extra.length ? ` (${preview(extra)})` : ""}; repeated ${repeated.length}; without node/reason ${unexplained.length}${letters[0] ? `; e.g. ${letters[0].errorCode}: ${letters[0].errorMessage.slice(0, 80)}` : ""}`,
  };
}
