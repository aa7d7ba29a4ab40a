// One chaos run of the pipeline: deploy it, start two runner processes, stream events through HTTP
// ingest while the scenario's faults fire at seeded points, then wait for the lag to drain, close the
// windows, and check what the sinks and dead-letter topics hold against what ingest accepted.
import { createKafka, type Kafka } from "@sluice/kafka";
import { testLogger } from "../test/services";
import { waitRunning } from "../test/engine-world";
import {
  checkDeadLetters,
  checkEventsTable,
  checkWindowCounts,
  auditFencedTopic,
  readDeadLetters,
  sampleLag,
  waitLagZero,
  type Check,
  type DeadLetter,
  type WindowResult,
} from "./checks";
import { isPoison, sendStream, type LoadResult, type StreamSpec } from "./load-client";
import { deployChaosPipeline, type ChaosPipeline } from "./pipeline";
import { runnerProcess, type RunnerProcess } from "./runner-process";

/** The services a scenario runs against, and the faults it may inject into them. */
export type ChaosInfra = {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  repoRoot: string;
  logDir: string;
  /** Runner ports; one runner process per port. */
  runnerPorts: number[];
  stopKafka(): Promise<void>;
  startKafka(): Promise<void>;
  /** Stops Redis keeping its data (SHUTDOWN SAVE), as a restarted Redis with persistence would. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
};

export type Figures = Record<string, string | number>;
export type ScenarioResult = { name: string; checks: Check[]; figures: Figures };

export type Fault = {
  /** Fires once when this many events were accepted. */
  atAccepted: number;
  name: string;
  run(ctx: RunContext): Promise<void>;
};

export type RunContext = {
  runners: RunnerProcess[];
  pipeline: ChaosPipeline;
  infra: ChaosInfra;
  /** Time (ms since epoch) of the latest accepted request. */
  lastAccepted(): number;
  /** Events accepted so far. */
  accepted(): number;
  /** Resolves at the first accepted request after `since` with the time it took; undefined if the stream ended first. */
  nextAccepted(since: number): Promise<number | undefined>;
  note(key: string, value: string | number): void;
};

export type RunOptions = {
  name: string;
  infra: ChaosInfra;
  stream: Omit<StreamSpec, "baseTime">;
  /** Offer the stream at this rate (default: as fast as it is accepted). */
  eventsPerSecond?: number;
  faults: Fault[];
  ingestLagThreshold?: number;
  /** The sinks' connection string (default: the scratch database). */
  sinkUrl?(databaseUrl: string): string;
  /** Extra checks over the run; default none. */
  extraChecks?(run: {
    pipeline: ChaosPipeline;
    load: LoadResult;
    deadLetters: DeadLetter[];
    samples: { at: number; lag: number }[];
  }): Check[];
  /** Accepted events a sink may have dead-lettered instead of writing (counted as processed). */
  allowSinkDeadLetters?: boolean;
  drainTimeoutMs?: number;
};

const PARTITIONS = 4;

async function untilIngestServes(url: string, pathKey: string, apiKey: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: "[]",
      headers: { "x-api-key": apiKey },
    });
    await response.body?.cancel();
    // An unknown path answers like a wrong key; with the right key, 401 means "not serving it yet".
    if (response.status !== 401) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} does not serve the ingest path after 60 s`);
}

export async function runChaos(options: RunOptions): Promise<ScenarioResult> {
  const { infra } = options;
  const figures: Figures = {};
  const kafka: Kafka = createKafka({
    brokers: infra.kafkaBrokers.split(","),
    clientId: `chaos-${options.name}`,
    log: testLogger,
  });
  const pipeline = await deployChaosPipeline({
    databaseUrl: infra.databaseUrl,
    partitions: PARTITIONS,
    ...(options.sinkUrl ? { sinkUrl: options.sinkUrl(infra.databaseUrl) } : {}),
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "",
    NODE_ENV: "development",
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers,
    SLUICE_SECRET_KEY: pipeline.world.secretKey,
    RUNNER_WORKSPACE_IDS: pipeline.world.workspaceId,
    RUNNER_TOPIC_PARTITIONS: String(PARTITIONS),
    RUNNER_TOPIC_RETENTION_MS: "3600000",
    RUNNER_STARTUP_WAIT_MS: "60000",
    RUNNER_INGEST_LAG_THRESHOLD: String(options.ingestLagThreshold ?? 100_000),
    LOG_LEVEL: process.env["CHAOS_RUNNER_LOG_LEVEL"] ?? "info",
  };
  // A supervisor's job: a runner that dies on its own is recorded (a check fails) and started again.
  const crashes: string[] = [];
  let finished = false;
  const onCrash = (runner: RunnerProcess, exit: string, lastError: string) => {
    crashes.push(
      `${runner.name} exit ${exit}: ${lastError.replace(/.*"msg":"([^"]*)".*/, "$1") || "no error logged"} ${/"message":"([^"]{0,120})/.exec(lastError)?.[1] ?? ""}`,
    );
    console.log(`[chaos] ${options.name}: ${runner.name} crashed (${exit}); restarting it`);
    if (!finished)
      setTimeout(
        () => void runner.start().catch((e: unknown) => console.error(`[chaos] restart failed: ${String(e)}`)),
        1000,
      );
  };
  const runners = infra.runnerPorts.map((port, i) =>
    runnerProcess({
      name: `${options.name}-r${i + 1}`,
      port,
      env,
      repoRoot: infra.repoRoot,
      logDir: infra.logDir,
      onCrash,
    }),
  );
  const sampler = sampleLag(kafka, pipeline.plan);
  try {
    await Promise.all(runners.map((r) => r.start()));
    await waitRunning(pipeline.world, pipeline.deploymentId, 60_000);
    // Both processes serve the ingest path (the row says running once the first one does).
    for (const r of runners) await untilIngestServes(r.url, pipeline.pathKey, pipeline.apiKey);

    let last = 0;
    let acceptedSoFar = 0;
    const waiting: { since: number; resolve(ms: number | undefined): void }[] = [];
    // Set when the stream is fully accepted: a fault that asks for the next accepted event after
    // that (its service came back after the last request) gets "none" instead of waiting forever.
    let streamDone = false;
    const ctx: RunContext = {
      runners,
      pipeline,
      infra,
      lastAccepted: () => last,
      accepted: () => acceptedSoFar,
      nextAccepted: (since) =>
        new Promise((resolve) => (streamDone ? resolve(undefined) : waiting.push({ since, resolve }))),
      note: (key, value) => (figures[key] = value),
    };
    const pending = [...options.faults].sort((a, b) => a.atAccepted - b.atAccepted);
    const faultRuns: Promise<void>[] = [];
    const faultErrors: string[] = [];
    const spec: StreamSpec = { ...options.stream, baseTime: Date.UTC(2026, 0, 1) };
    const started = Date.now();
    const load = await sendStream(
      spec,
      { from: 0, to: spec.events },
      {
        urls: () => {
          const up = runners.filter((r) => r.alive()).map((r) => r.url);
          return up.length > 0 ? up : runners.map((r) => r.url);
        },
        pathKey: pipeline.pathKey,
        apiKey: pipeline.apiKey,
        concurrency: 8,
        batch: 100,
        ...(options.eventsPerSecond ? { eventsPerSecond: options.eventsPerSecond } : {}),
        onProgress(accepted) {
          last = Date.now();
          acceptedSoFar = accepted;
          for (const w of waiting.splice(0)) {
            if (last > w.since) w.resolve(last - w.since);
            else waiting.push(w);
          }
          while (pending[0] && accepted >= pending[0].atAccepted) {
            const fault = pending.shift()!;
            console.log(`[chaos] ${options.name}: ${fault.name} at ${accepted} accepted`);
            faultRuns.push(
              fault
                .run(ctx)
                .catch(
                  (e: unknown) => void faultErrors.push(`${fault.name}: ${e instanceof Error ? e.message : String(e)}`),
                ),
            );
          }
        },
      },
    );
    streamDone = true;
    for (const w of waiting.splice(0)) w.resolve(undefined);
    await Promise.all(faultRuns);
    const streamSeconds = (Date.now() - started) / 1000;
    // Every runner up for the drain (a fault may have left one down).
    for (const r of runners) if (!r.alive()) await r.start();
    const drain = await waitLagZero(kafka, pipeline.plan, {
      timeoutMs: options.drainTimeoutMs ?? 240_000,
      stuckMs: 60_000,
    });
    const drainMs = drain.ms;

    // Close every window: one event per type far past the stream's event time (excluded from checks).
    const closing = {
      ...spec,
      events: spec.users,
      baseTime: spec.baseTime + spec.events * spec.msPerEvent + 20 * 60_000,
      seed: spec.seed + 1,
    };
    const flush = await sendStream(
      { ...closing, poisonEvery: undefined },
      { from: 0, to: closing.users },
      {
        urls: () => runners.map((r) => r.url),
        pathKey: pipeline.pathKey,
        apiKey: pipeline.apiKey,
        concurrency: 8,
        batch: 100,
      },
    );
    const afterFlush = await waitLagZero(kafka, pipeline.plan, { timeoutMs: 120_000, stuckMs: 45_000 });
    sampler.stop();
    finished = true;
    const lagCheck: Check = {
      name: "lag drains to 0 after the stream",
      ok: drain.stuckAt === undefined && afterFlush.stuckAt === undefined,
      detail:
        drain.stuckAt === undefined
          ? `drained in ${(drain.ms / 1000).toFixed(1)} s`
          : `stuck at ${drain.stuckAt} (${drain.where}) after the stream${afterFlush.stuckAt === undefined ? ", drained once the closing events arrived" : `, still ${afterFlush.stuckAt} after the closing events`}`,
    };
    const faultCheck: Check = {
      name: "every fault injected and undone",
      ok: faultErrors.length === 0 && pending.length === 0,
      detail: faultErrors.join("; ") || `${options.faults.length - pending.length} of ${options.faults.length}`,
    };
    const crashCheck: Check = {
      name: "no runner process died on its own",
      ok: crashes.length === 0,
      detail: crashes.length === 0 ? "none" : crashes.join("; "),
    };

    const accepted = [...load.accepted.values()];
    const valid = accepted.filter((e) => !isPoison(spec, Number(e.id.split("-").at(-1))));
    const poison = accepted.filter((e) => isPoison(spec, Number(e.id.split("-").at(-1))));
    const deadLetters = await readDeadLetters(kafka, pipeline.plan);
    const sinkDead = options.allowSinkDeadLetters
      ? deadLetters.filter((d) => d.nodeId === "events" || d.nodeId === "counts")
      : [];
    const sinkDeadIds = new Set(sinkDead.filter((d) => d.nodeId === "events").map((d) => d.id));

    // Windows fire on the closing events' watermark: give the counts sink a moment after lag 0.
    const flushIds = new Set(flush.accepted.keys());
    const deadWindows = sinkDead.filter((d) => d.nodeId === "counts").map((d) => d.value as WindowResult);
    let windows = await checkWindowCounts(pipeline.db, pipeline.countsTable, valid, deadWindows);
    for (let i = 0; i < 20 && !windows.ok; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      windows = await checkWindowCounts(pipeline.db, pipeline.countsTable, valid, deadWindows);
    }
    const events = await checkEventsTable(
      pipeline.db,
      pipeline.eventsTable,
      valid.filter((e) => !sinkDeadIds.has(e.id)),
      flushIds,
    );
    const poisonCheck = checkDeadLetters(
      deadLetters.filter((d) => !sinkDead.includes(d)),
      poison,
    );

    figures["events accepted"] = load.accepted.size;
    figures["poison events"] = poison.length;
    figures["ingest requests (incl. retries)"] = load.requests;
    figures["responses"] = Object.entries(load.statuses)
      .map(([s, n]) => `${s}:${n}`)
      .join(" ");
    figures["stream seconds"] = +streamSeconds.toFixed(1);
    figures["accepted events/s"] = Math.round(load.accepted.size / streamSeconds);
    figures["drain after stream (s)"] =
      drain.stuckAt === undefined ? +(drainMs / 1000).toFixed(1) : `stuck at lag ${drain.stuckAt} (${drain.where})`;
    if (drain.stuckAt === undefined)
      figures["end-to-end events/s (accepted / (stream + drain))"] = Math.round(
        load.accepted.size / (streamSeconds + drainMs / 1000),
      );
    figures["max lag (messages, all stages)"] = sampler.max();
    figures["longest single request incl. retries (s)"] = +(load.longestRetryMs / 1000).toFixed(1);
    figures["re-deliveries absorbed by the events upsert"] = events.redelivered;
    // The window counts what dedup emits: a dedup batch replayed after its outputs were sent re-emits them.
    const dedupOut = pipeline.plan.topics.find((t) => t.nodeId === "dedup" && t.port === "out")?.name;
    if (dedupOut) {
      const r = await auditFencedTopic(kafka, dedupOut);
      figures["dedup output: messages / repeated ids (window input)"] = `${r.messages} / ${r.repeated}`;
      figures["window input fence: skipped / skipped never applied / unnumbered"] =
        `${r.skipped} / ${r.skippedNeverApplied} / ${r.unnumbered}${r.examples.length ? ` (${r.examples.join("; ")})` : ""}`;
    }
    figures["consumer-group assignments logged (rebalances x members)"] = runners.reduce(
      (sum, r) => sum + r.assignments(),
      0,
    );
    if (options.allowSinkDeadLetters)
      figures["sink dead letters (events / window results)"] =
        `${sinkDeadIds.size} / ${sinkDead.length - sinkDeadIds.size}`;
    const extra = options.extraChecks?.({ pipeline, load, deadLetters, samples: sampler.samples() }) ?? [];
    return {
      name: options.name,
      figures,
      checks: [
        ...(options.faults.length > 0 ? [faultCheck] : []),
        lagCheck,
        ...events.checks,
        windows,
        poisonCheck,
        crashCheck,
        ...extra,
      ],
    };
  } finally {
    finished = true;
    sampler.stop();
    await Promise.all(runners.map((r) => r.stop()));
    // CHAOS_KEEP=1 leaves the tables and topics for a post-mortem.
    if (process.env["CHAOS_KEEP"] !== "1")
      await pipeline.close().catch((e: unknown) => console.error(`[chaos] cleanup failed: ${String(e)}`));
    await kafka.close();
  }
}
