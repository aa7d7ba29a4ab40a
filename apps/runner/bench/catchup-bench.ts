// The catch-up benchmark (the standard consume-transform-produce shape): a topic pre-filled with N
// ~300-byte events in 6 partitions, then the real runner process deploys
//   kafka-source (earliest) -> filter (type != "heartbeat") -> map (keep user_id, type, ts)
//     -> key-by type -> 10 s tumbling count per type -> kafka-sink
// with fresh consumer groups, timed from deploy until every consumer group of the pipeline has zero
// lag and the output topic holds every window's final count. Reports events/s, CPU µs per event of
// the runner (all its processes: RUNNER_PROCESSES from the environment, as the product reads it), the broker (its JVM), Redis and the whole machine (/proc), and how many times each
// window was emitted. The final count of every window is compared with the counts computed from the
// generated input; a mismatch prints the difference and fails the run (exit 1). Prints one JSON line.
//
//   node --import tsx apps/runner/bench/catchup-bench.ts [--events 1000000] [--partitions 6]
//     [--event-rate 1000] [--port 4206] [--runner-node-flags "--max-old-space-size=384"] [--timeout-seconds 1800]
//     [--profile-dir DIR]
import { parseArgs } from "node:util";
import { compilePlan, type PipelineGraph, workspaceTopicName } from "@sluice/shared";
import { createKafkaReader, type OutgoingMessage } from "@sluice/kafka";
import { createPipeline, createWorld, deploy, waitRunning, type World } from "../test/engine-world";
import { graph, typeWindow } from "../test/graphs";
import { testLogger, testServices, uniqueName } from "../test/services";
import { cpuMicrosPerEvent, findBrokerPid, sampleCpu } from "./proc-cpu";
import { startRunnerProcess, type RunnerProcess } from "./runner-process";
import {
  addCounts,
  closedUpTo,
  compareWindowCounts,
  describeWindowCheck,
  windowKey,
  windowStartOf,
  type WindowCounts,
} from "./window-counts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: process.env["BENCH_CATCHUP_EVENTS"] ?? "1000000" },
    partitions: { type: "string", default: "6" },
    /** Events per second of event time: 1000 puts 1 M events into 100 windows per type. */
    "event-rate": { type: "string", default: "1000" },
    port: { type: "string", default: "4206" },
    "runner-node-flags": { type: "string", default: "" },
    "timeout-seconds": { type: "string", default: "1800" },
    /** Run the runner under the CPU profiler, each engine process writing its profile here. */
    "profile-dir": { type: "string" },
    /** A/B of the kafka-source fusion: force a topic after the source (the copy into `<src>.out` it used to make). */
    "copy-source": { type: "boolean", default: process.env["BENCH_CATCHUP_COPY_SOURCE"] === "1" },
  },
});
const EVENTS = Number(values.events);
const PARTITIONS = Number(values.partitions);
const EVENT_RATE = Number(values["event-rate"]);
const WINDOW_MS = 10_000;
const WATERMARK_DELAY_MS = 1000;
const TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup", "heartbeat"] as const;
const COUNTED_TYPES = TYPES.filter((t) => t !== "heartbeat");
const log = (line: string) => process.stderr.write(`[catchup-bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The broker's name of a topic the user calls `name` in the workspace (a kafka-source or kafka-sink `topic`). */
function brokerTopicName(workspace: { id: string; slug: string }, name: string): string {
  return workspaceTopicName(workspace.slug, name);
}

/** One ~300-byte event, deterministic in `i` (a fixed-seed mix so types and users look random). */
function eventAt(i: number, startMs: number) {
  const mix = Math.imul(i + 1, 2654435761) >>> 0;
  const type = TYPES[mix % TYPES.length]!;
  const user = `user-${(mix >>> 8) % 10_000}`;
  const ts = startMs + Math.floor((i * 1000) / EVENT_RATE);
  return {
    key: user,
    type,
    ts,
    value: {
      event_id: `evt-${i.toString(36).padStart(8, "0")}`,
      user_id: user,
      type,
      ts: new Date(ts).toISOString(),
      session_id: `sess-${(mix >>> 4) % 50_000}`,
      page: ["/", "/pricing", "/docs/getting-started", "/blog/stream-processing", "/checkout"][mix % 5],
      referrer: "https://example.com/",
      props: { sku: `sku-${mix % 1000}`, amount: (mix % 500) / 10, currency: "EUR" },
      context: { locale: "en-GB", library: "sluice-bench/1.0" },
    },
  };
}

/** Pre-fills `topic` with EVENTS events, then one event per counted type that closes every window. */
async function prefill(
  world: World,
  topic: string,
): Promise<{ records: number; expected: WindowCounts; maxEventTime: Record<string, number>; avgEventBytes: number }> {
  await world.kafka.admin.createTopics([{ topic, partitions: PARTITIONS }]);
  const producer = world.kafka.producer({ name: "bench-prefill" });
  // Event time starts on a window boundary an hour before the data's span ends, so nothing is "future".
  const startMs = windowStartOf(Date.now() - 3600_000 - (EVENTS * 1000) / EVENT_RATE, WINDOW_MS);
  const expected: WindowCounts = new Map();
  const maxEventTime: Record<string, number> = {};
  let bytes = 0;
  let batch: OutgoingMessage[] = [];
  const count = (type: string, ts: number) => {
    if (type === "heartbeat") return;
    addCounts(expected, [[windowKey(windowStartOf(ts, WINDOW_MS), type), 1]]);
    maxEventTime[type] = Math.max(maxEventTime[type] ?? ts, ts);
  };
  for (let i = 0; i < EVENTS; i++) {
    const e = eventAt(i, startMs);
    const value = JSON.stringify(e.value);
    bytes += value.length;
    batch.push({ topic, key: e.key, value });
    count(e.type, e.ts);
    if (batch.length === 1000) {
      await producer.send(batch);
      batch = [];
    }
  }
  // Closing events, one per type in every partition: the window's watermark is the minimum over the
  // source partitions, so each of them must pass the end of the last data window for all to fire.
  const lastEnd = windowStartOf(startMs + Math.floor(((EVENTS - 1) * 1000) / EVENT_RATE), WINDOW_MS) + WINDOW_MS;
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (const type of COUNTED_TYPES) {
      const ts = lastEnd + WATERMARK_DELAY_MS;
      batch.push({
        topic,
        partition,
        key: `closer-${type}`,
        value: JSON.stringify({
          event_id: `close-${type}-${partition}`,
          user_id: `closer-${type}`,
          type,
          ts: new Date(ts).toISOString(),
        }),
      });
      count(type, ts);
    }
  }
  await producer.send(batch);
  await producer.close();
  return {
    records: EVENTS + COUNTED_TYPES.length * PARTITIONS,
    expected,
    maxEventTime,
    avgEventBytes: Math.round(bytes / Math.max(1, EVENTS)),
  };
}

function pipelineGraph(source: string, sink: string): PipelineGraph {
  return graph(
    [
      { id: "src", type: "kafka-source", config: { topic: source, startPosition: "earliest" } },
      { id: "filter", type: "filter", config: { condition: 'event.type != "heartbeat"' } },
      { id: "map", type: "map", config: { drop: ["event_id", "session_id", "page", "referrer", "props", "context"] } },
      { id: "bytype", type: "key-by", config: { key: "event.type", partitions: PARTITIONS } },
      typeWindow("1m", [{ name: "events", function: "count" }]),
      { id: "sink", type: "kafka-sink", config: { topic: sink } },
    ],
    [
      ["src", "filter", { forceTopic: values["copy-source"] === true }],
      ["filter", "map"],
      ["map", "bytype"],
      ["bytype", "win"],
      ["win", "sink"],
    ],
  );
}

/** Sum over every stage of the pipeline of (end offset − the stage group's committed offset); null while a topic is missing. */
async function totalLag(world: World, stages: { groupId: string; inputTopics: string[] }[]): Promise<number | null> {
  let lag = 0;
  for (const stage of stages) {
    try {
      const [ends, committed] = await Promise.all([
        world.kafka.admin.endOffsets(stage.inputTopics),
        world.kafka.admin.committedOffsets(stage.groupId, stage.inputTopics),
      ]);
      const at = new Map(committed.map((c) => [`${c.topic}/${c.partition}`, c.offset]));
      for (const end of ends) lag += Number(end.offset - (at.get(`${end.topic}/${end.partition}`) ?? 0n));
    } catch {
      return null;
    }
  }
  return lag;
}

type Emission = { windowStart: number; type: string; events: number; revision: number; producedAt: number };

/** Every record of the output topic, as window results (offset order per partition). */
async function readResults(world: World, topic: string, from: Map<number, bigint>, into: Emission[]): Promise<void> {
  const reader = createKafkaReader({
    brokers: testServices.kafkaBrokers.split(","),
    clientId: uniqueName("bench-catchup-reader"),
    log: testLogger,
  });
  try {
    for (;;) {
      const ranges = await reader.ranges(topic);
      const pending = ranges.filter((r) => (from.get(r.partition) ?? r.earliest) < r.end);
      if (pending.length === 0) return;
      const records = await reader.read({
        topic,
        from: pending.map((r) => ({ partition: r.partition, offset: from.get(r.partition) ?? r.earliest })),
        maxPerPartition: 5000,
      });
      for (const record of records) {
        from.set(record.partition, record.offset + 1n);
        const value = JSON.parse(record.value!.toString()) as {
          windowStart: string;
          type: string;
          events: number;
          revision: number;
        };
        into.push({
          windowStart: Date.parse(value.windowStart),
          type: value.type,
          events: value.events,
          revision: value.revision,
          producedAt: Number(record.timestamp),
        });
      }
    }
  } finally {
    await reader.close();
  }
}

const world = await createWorld();
const workspace = await world.prisma.workspace.findUniqueOrThrow({
  where: { id: world.workspaceId },
  select: { id: true, slug: true },
});
const sourceName = uniqueName("bench-catchup-in");
const sinkName = uniqueName("bench-catchup-out");
const sourceTopic = brokerTopicName(workspace, sourceName);
const sinkTopic = brokerTopicName(workspace, sinkName);
let runner: RunnerProcess | undefined;
let failed = false;
try {
  log(`pre-filling ${sourceTopic} with ${EVENTS} events in ${PARTITIONS} partitions`);
  const filled = await prefill(world, sourceTopic);
  runner = await startRunnerProcess(world, {
    port: Number(values.port),
    nodeFlags: values["runner-node-flags"],
    profileDir: values["profile-dir"],
  });

  const pipeline = await createPipeline(world, "bench-catchup");
  const body = pipelineGraph(sourceName, sinkName);
  const plan = compilePlan({
    workspaceId: world.workspaceId,
    workspaceSlug: workspace.slug,
    pipelineId: pipeline.id,
    graph: body,
  });
  if (!plan.ok) throw new Error(plan.reason);
  const redisPid = Number(/process_id:(\d+)/.exec(await world.redis.info("server"))?.[1] ?? NaN);
  // The runner's CPU is its process tree's: the supervisor and every engine process (RUNNER_PROCESSES).
  const pids = { runner: runner.pid, broker: findBrokerPid(), redis: Number.isNaN(redisPid) ? null : redisPid };
  const runnerProcesses = await runner.processes();

  const cpuBefore = sampleCpu(pids);
  const deployedAt = Date.now();
  const { deploymentId } = await deploy(world, pipeline.id, body);
  await waitRunning(world, deploymentId, 120_000);
  log(`deployed ${deploymentId}; waiting for every consumer group to reach zero lag`);

  const deadline = deployedAt + Number(values["timeout-seconds"]) * 1000;
  let zeroLagAt = 0;
  for (;;) {
    const lag = await totalLag(world, plan.plan.stages);
    if (lag === 0) {
      zeroLagAt = Date.now();
      break;
    }
    if (Date.now() > deadline)
      throw new Error(`catch-up did not finish within ${values["timeout-seconds"]} s (lag ${lag ?? "unknown"})`);
    await sleep(250);
  }
  const cpuAtZeroLag = sampleCpu(pids);

  // Windows fire when the slowest partition's watermark passes them, which can be an idle tick after
  // the last batch: read the output until every closed window has its final count (or it stops changing).
  const emissions: Emission[] = [];
  const offsets = new Map<number, bigint>();
  const upTo = closedUpTo(filled.maxEventTime, COUNTED_TYPES, WATERMARK_DELAY_MS);
  const finalCounts = () => {
    const latest = new Map<string, Emission>();
    for (const e of emissions) {
      const key = windowKey(e.windowStart, e.type);
      const seen = latest.get(key);
      if (!seen || e.revision >= seen.revision) latest.set(key, e);
    }
    return new Map([...latest].map(([key, e]) => [key, e.events]));
  };
  let check = compareWindowCounts(filled.expected, new Map(), WINDOW_MS, upTo);
  const settleDeadline = Date.now() + 60_000;
  for (;;) {
    await readResults(world, sinkTopic, offsets, emissions);
    check = compareWindowCounts(filled.expected, finalCounts(), WINDOW_MS, upTo);
    if (check.ok || Date.now() > settleDeadline) break;
    await sleep(500);
  }
  const lastResultAt = emissions.reduce((max, e) => Math.max(max, e.producedAt), 0);
  const endAt = Math.max(zeroLagAt, lastResultAt);
  const seconds = (endAt - deployedAt) / 1000;
  const cpu = cpuMicrosPerEvent(cpuBefore, cpuAtZeroLag, filled.records);
  /** CPU seconds ÷ wall seconds from deploy to zero lag. */
  const cores = (cpuSeconds: number) =>
    Number.isNaN(cpuSeconds) ? null : +(cpuSeconds / ((zeroLagAt - deployedAt) / 1000)).toFixed(2);
  const windows = new Set(emissions.map((e) => windowKey(e.windowStart, e.type))).size;
  const perWindow = new Map<string, number>();
  for (const e of emissions)
    perWindow.set(windowKey(e.windowStart, e.type), (perWindow.get(windowKey(e.windowStart, e.type)) ?? 0) + 1);
  // An extra record is either a new revision of its window (it fired before all its events were in)
  // or the same revision sent again (a handover re-sent an outbox: at-least-once, readers skip it).
  const revisions = new Set(emissions.map((e) => `${windowKey(e.windowStart, e.type)}#${e.revision}`)).size;
  const result = {
    scenario: "catchup",
    pipeline:
      "kafka-source -> filter (type != heartbeat) -> map (keep user_id, type, ts) -> key-by type -> 10 s tumbling count per type -> kafka-sink",
    events: filled.records,
    partitions: PARTITIONS,
    sourceCopied: values["copy-source"],
    runnerProcesses,
    avgEventBytes: filled.avgEventBytes,
    eventTimeRatePerSecond: EVENT_RATE,
    seconds: +seconds.toFixed(2),
    secondsToZeroLag: +((zeroLagAt - deployedAt) / 1000).toFixed(2),
    eventsPerSecond: Math.round(filled.records / seconds),
    cpuMicrosPerEvent: { machine: cpu.machine, ...cpu.processes },
    coresUsed: {
      machine: cores(cpuAtZeroLag.machine - cpuBefore.machine),
      runner: cores((cpuAtZeroLag.processes["runner"] ?? NaN) - (cpuBefore.processes["runner"] ?? NaN)),
    },
    pids,
    emissions: {
      records: emissions.length,
      windows,
      perWindow: +(emissions.length / Math.max(1, windows)).toFixed(2),
      maxPerWindow: Math.max(0, ...perWindow.values()),
      lateUpdates: emissions.length - windows,
      /** Of those, records that were a window's later revision... */
      revisions: revisions - windows,
      /** ...and records repeating a revision already sent (same window, same revision). */
      resent: emissions.length - revisions,
    },
    check: {
      ok: check.ok,
      closedWindows: check.closed,
      exact: check.exact,
      missing: check.missing.slice(0, 20),
      wrong: check.wrong.slice(0, 20),
    },
  };
  if (!check.ok) {
    failed = true;
    log(`WINDOW COUNTS DIFFER from the generated input:\n${describeWindowCheck(check)}`);
  }
  log(
    `${result.eventsPerSecond} events/s over ${result.seconds} s; ${result.cpuMicrosPerEvent.machine} µs CPU/event machine-wide, runner ${cpu.processes["runner"]} (${runnerProcesses} engine processes, ${result.coresUsed.runner} cores); ${result.emissions.perWindow} emissions/window; ${check.exact}/${check.closed} windows exact`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await runner?.stop();
  const topics = (await world.kafka.admin.listTopics()).filter((t) => t === sourceTopic || t === sinkTopic);
  if (topics.length > 0) await world.kafka.admin.deleteTopics(topics).catch(() => undefined);
  await world.close();
}
process.exit(failed ? 1 : 0);
