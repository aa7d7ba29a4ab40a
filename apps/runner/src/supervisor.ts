// The supervisor of a runner with RUNNER_PROCESSES > 1: the node:cluster primary. It forks the engine
// processes (engine-process.ts), which share the public port and, like separate runners, the consumer
// groups of every deployment; Kafka's group
// protocol splits the partitions between them. Each has its own RUNNER_ID, `<RUNNER_ID>-<n>`, under
// which it publishes its live metrics, node health and BullMQ workers, so the canvas adds them up as
// it does for separate runners.
//
// It serves the internal port itself: /healthz asks every process for its health report (ok when all
// are ready and every service answers them), /metrics asks every process for its metrics and adds
// them up (counters and histograms summed; lag gauges: the largest, sink freshness: the smallest)
// together with its own process metrics, so process_cpu_* and process_resident_memory_bytes cover
// the whole runner. It also accepts the public port's connections and hands each to a process in turn
// (the socket rides with an IPC message). Not node:cluster's round-robin, nor a plain send: both keep a
// connection handed to a process until the process acknowledges it, and one handed to a process killed
// in between was neither answered nor closed (clients waited for their own timeout; Node queues further
// handles behind the unacknowledged one, and those too). Here each process has at most one connection on
// its way (the next waits until the send completed), the supervisor keeps its own copy of that socket
// until then, and closes it when the process exits: its client sees a reset and retries.
// A process that exits unasked is forked again (backoff 0.5 s doubling per exit
// within a minute, up to 30 s). SIGTERM or SIGINT: every process drains (SIGTERM), then it exits;
// the same signal again kills them. The first process starts alone; the others once it is ready, so a bad
// port or an unreachable service is reported once, with the exit code a single process would use.
import cluster, { type Worker } from "node:cluster";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { EXIT_CONFIG, EXIT_UNAVAILABLE, type RunnerEnv } from "./env";
import { type HttpServer, serverUrl, startHttpServer } from "./http/server";
import { sendJson } from "./http/respond";
import type { Logger } from "./log";
import { SHUTDOWN_TIMEOUT_MS, type SupervisorMessage, WORKER_MESSAGE, type WorkerMessage } from "./process-messages";
import { RUNNER_VERSION } from "./version";

/** How long /healthz and /metrics wait for a process's answer. */
const ASK_TIMEOUT_MS = 3000;
const RESTART_BACKOFF_MS = { first: 500, max: 30_000, window: 60_000 };
/** Connections held while no process takes them (all starting or restarting); beyond it they are closed. */
const MAX_WAITING_CONNECTIONS = 1024;

type Slot = {
  n: number;
  runnerId: string;
  worker?: Worker;
  ready: boolean;
  /** It takes connections of the public port. */
  accepting: boolean;
  /** A connection on its way to it (sent, the send not completed yet). */
  sending?: Socket;
  /** When it exited unasked, within the backoff window. */
  exits: number[];
  restart?: NodeJS.Timeout;
};

type CheckResult = { ok: boolean; latencyMs: number; error?: string };
type HealthAnswer = { status: "ok" | "degraded"; checks: Record<string, CheckResult> };

export async function supervise(env: RunnerEnv, count: number, log: Logger): Promise<void> {
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    n: i + 1,
    runnerId: `${env.RUNNER_ID.slice(0, 124)}-${i + 1}`,
    ready: false,
    accepting: false,
    exits: [],
  }));
  let everReady = false;
  let stopping = false;
  let announced = false;
  let internal: HttpServer | undefined;
  const exitCodes: (number | null)[] = [];

  // --- asking the processes (health, metrics) ---------------------------------------------------
  let nextId = 0;
  const pending = new Map<number, (value: unknown) => void>();
  const ask = (slot: Slot, what: "health" | "metrics"): Promise<unknown> =>
    new Promise((resolve) => {
      const worker = slot.worker;
      if (!worker || !slot.ready || !worker.isConnected()) return resolve(undefined);
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, ASK_TIMEOUT_MS);
      pending.set(id, (value) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(value);
      });
      try {
        worker.send({ type: WORKER_MESSAGE.ask, id, what } satisfies SupervisorMessage);
      } catch {
        pending.get(id)?.(undefined);
      }
    });

  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const processGauge = new Gauge({
    name: "sluice_runner_processes",
    help: "Engine processes of this runner: wanted (RUNNER_PROCESSES) and ready (serving, engine started, answering).",
    labelNames: ["state"] as const,
    registers: [own],
  });

  async function metrics(): Promise<string> {
    const answers = await Promise.all(slots.map((s) => ask(s, "metrics")));
    const parts = answers.filter((a): a is Awaited<ReturnType<Registry["getMetricsAsJSON"]>> => Array.isArray(a));
    processGauge.set({ state: "wanted" }, count);
    processGauge.set({ state: "ready" }, parts.length);
    return AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), ...parts]).metrics();
  }

  async function health(): Promise<HealthAnswer> {
    const answers = (await Promise.all(slots.map((s) => ask(s, "health")))).filter(
      (a): a is HealthAnswer => typeof a === "object" && a !== null && "checks" in a,
    );
    // Each service: ok when every process reaches it; the slowest answer; the first error.
    const checks: Record<string, CheckResult> = {};
    for (const answer of answers) {
      for (const [name, check] of Object.entries(answer.checks)) {
        const seen = checks[name];
        checks[name] = !seen
          ? { ...check }
          : {
              ok: seen.ok && check.ok,
              latencyMs: Math.max(seen.latencyMs, check.latencyMs),
              ...((seen.error ?? check.error) ? { error: seen.error ?? check.error } : {}),
            };
      }
    }
    const ready = answers.length;
    checks["processes"] = {
      ok: ready === count,
      latencyMs: 0,
      ...(ready === count ? {} : { error: `${ready} of ${count} runner processes ready` }),
    };
    return { status: Object.values(checks).every((c) => c.ok) ? "ok" : "degraded", checks };
  }

  // --- the public port --------------------------------------------------------------------------
  // Accepted here, paused (nothing read), and sent to the processes that take connections in turn.
  const waiting: Socket[] = [];
  let turn = 0;
  function dispatch() {
    while (waiting.length > 0) {
      const free = slots.filter((s) => s.accepting && !s.sending && s.worker?.isConnected());
      if (free.length === 0) return;
      send(free[turn++ % free.length]!, waiting.shift()!);
    }
  }
  function send(slot: Slot, socket: Socket) {
    slot.sending = socket;
    // Sent or not, the supervisor's copy is closed: the process holds its own (a closed copy does not
    // end the connection), or the send failed and the client gets a reset.
    const sent = () => {
      if (slot.sending === socket) slot.sending = undefined;
      socket.destroy();
      dispatch();
    };
    try {
      slot.worker!.send(
        { type: WORKER_MESSAGE.connection } satisfies SupervisorMessage,
        socket,
        { keepOpen: true },
        sent,
      );
    } catch {
      sent();
    }
  }
  const publicServer: Server = createServer({ pauseOnConnect: true }, (socket) => {
    // A client that resets before the handoff must not take the supervisor down.
    socket.on("error", () => socket.destroy());
    if (stopping || waiting.length >= MAX_WAITING_CONNECTIONS) socket.destroy();
    else {
      waiting.push(socket);
      dispatch();
    }
  });

  // --- the processes --------------------------------------------------------------------------
  function fork(slot: Slot) {
    slot.restart = undefined;
    const worker = cluster.fork({ RUNNER_ID: slot.runnerId });
    slot.worker = worker;
    slot.ready = false;
    slot.accepting = false;
    worker.on("message", (message: WorkerMessage) => {
      if (message?.type === WORKER_MESSAGE.answer) pending.get(message.id)?.(message.value);
      else if (message?.type === WORKER_MESSAGE.accepting) {
        slot.accepting = true;
        dispatch();
      } else if (message?.type === WORKER_MESSAGE.ready) {
        slot.ready = true;
        log.info(
          { process: slot.n, processRunnerId: slot.runnerId, processPid: worker.process.pid },
          "runner process ready",
        );
        onReady();
      }
    });
    worker.on("exit", (code, signal) => onExit(slot, worker, code, signal));
  }

  function onReady() {
    if (stopping) return;
    if (!everReady) {
      everReady = true;
      // The first process is up (port and services are fine): start the others.
      for (const slot of slots) if (!slot.worker && !slot.restart) fork(slot);
    }
    if (slots.every((s) => s.ready) && internal && !announced) {
      announced = true;
      log.info(
        {
          url: serverUrl(publicServer.address() as AddressInfo),
          internalUrl: internal.url,
          version: RUNNER_VERSION,
          processes: count,
        },
        "runner listening",
      );
    }
  }

  function onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null) {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    slot.accepting = false;
    // A connection on its way to the process that died: reset it rather than leave its client waiting.
    slot.sending?.destroy();
    slot.sending = undefined;
    dispatch();
    if (stopping) {
      exitCodes.push(code);
      return;
    }
    const pid = worker.process.pid;
    // A bad port or variable, or services unreachable before any process ever started: a restart
    // would fail the same way. Stop, with the code a single process would have exited with.
    if (code === EXIT_CONFIG || (!everReady && code === EXIT_UNAVAILABLE)) {
      log.fatal({ process: slot.n, processPid: pid, code }, "runner process cannot start");
      void stop(code, "a runner process cannot start");
      return;
    }
    const now = Date.now();
    slot.exits = [...slot.exits.filter((t) => now - t < RESTART_BACKOFF_MS.window), now];
    const delayMs = Math.min(RESTART_BACKOFF_MS.max, RESTART_BACKOFF_MS.first * 2 ** (slot.exits.length - 1));
    log.error(
      { process: slot.n, processPid: pid, code, signal, restartInMs: delayMs },
      "runner process exited; restarting it",
    );
    slot.restart = setTimeout(() => {
      if (!stopping) fork(slot);
    }, delayMs);
  }

  let stoppedBy: string | undefined;
  async function stop(code: number, reason: string): Promise<void> {
    if (stopping) {
      // The same signal again while stopping means "now". (A terminal's Ctrl-C reaches `npm start` and
      // this process at once, and `npm start` then sends SIGTERM: that one waits for the drain.)
      if (reason !== stoppedBy) return;
      for (const slot of slots) slot.worker?.process.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    stoppedBy = reason;
    log.info({ reason }, "runner stopping");
    // No new connections; those already handed over are drained by their processes.
    publicServer.close();
    for (const socket of waiting.splice(0)) socket.destroy();
    const running = slots.flatMap((slot) => {
      clearTimeout(slot.restart);
      const worker = slot.worker;
      if (!worker) return [];
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.process.kill("SIGTERM");
      return [exited];
    });
    const all = Promise.all(running);
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), SHUTDOWN_TIMEOUT_MS + 5000).unref()),
    ]);
    if (late) for (const slot of slots) slot.worker?.process.kill("SIGKILL");
    await internal?.close(1000);
    const clean = !late && exitCodes.every((c) => c === 0);
    log.info({ clean }, "runner stopped");
    process.exit(code !== 0 ? code : clean ? 0 : 1);
  }

  process.on("SIGINT", () => void stop(0, "SIGINT"));
  process.on("SIGTERM", () => void stop(0, "SIGTERM"));
  process.on("uncaughtException", (err) => {
    log.fatal({ err }, "uncaught exception");
    void stop(1, "uncaught exception");
  });
  process.on("unhandledRejection", (err) => {
    log.fatal({ err }, "unhandled promise rejection");
    void stop(1, "unhandled rejection");
  });

  // Health and metrics of the whole runner, on the internal listener only.
  try {
    internal = await startHttpServer({
      host: env.RUNNER_INTERNAL_HOST,
      port: env.RUNNER_INTERNAL_PORT,
      log,
      routes: [
        {
          method: "GET",
          path: "/healthz",
          async handler({ res }) {
            const report = await health();
            sendJson(res, report.status === "ok" ? 200 : 503, report);
          },
        },
        {
          method: "GET",
          path: "/metrics",
          async handler({ res }) {
            const body = await metrics();
            res.writeHead(200, { "content-type": own.contentType, "cache-control": "no-store" });
            res.end(body);
          },
        },
      ],
    });
  } catch (error) {
    cannotListen(
      error,
      env.RUNNER_INTERNAL_HOST,
      env.RUNNER_INTERNAL_PORT,
      "RUNNER_INTERNAL_PORT or RUNNER_INTERNAL_HOST",
    );
  }
  // The public port: a bad one is reported here, once, with the exit code a single process would use.
  try {
    await new Promise<void>((resolve, reject) => {
      publicServer.once("error", reject);
      publicServer.listen({ port: env.RUNNER_PORT, host: env.RUNNER_HOST }, () => {
        publicServer.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    cannotListen(error, env.RUNNER_HOST, env.RUNNER_PORT, "RUNNER_PORT or RUNNER_HOST");
  }
  log.info({ processes: count, internalUrl: internal.url }, "runner starting its processes");
  fork(slots[0]!);
}

/** A port the runner cannot listen on is a configuration error: say which variables to fix and exit. */
function cannotListen(error: unknown, host: string, port: number, variables: string): never {
  const code = (error as { code?: unknown }).code;
  if (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL" && code !== "EACCES") throw error;
  process.stderr.write(`runner: cannot listen on ${host}:${port} (${String(code)}): fix ${variables}\n`);
  process.exit(EXIT_CONFIG);
}
