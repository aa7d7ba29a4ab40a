// Runner processes as operators run them (`node apps/runner/dist/main.mjs`, built by ../build.ts), each with its
// own port, that a scenario can SIGKILL and start again. Their output goes to a log file per process.
// Each is one engine process with no supervisor (RUNNER_PROCESSES=1): the process a kill -9 hits is the
// engine, and a crash is seen here, not hidden by a supervisor's restart (runner-cluster.integration.test.ts
// covers RUNNER_PROCESSES > 1 and its restarts).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { buildRunner } from "../build";

export type RunnerSpec = {
  name: string;
  port: number;
  env: NodeJS.ProcessEnv;
  repoRoot: string;
  logDir: string;
  /** A process that exits without being told to (a crash). `lastError`: its last error/fatal log line. */
  onCrash?(runner: RunnerProcess, exit: string, lastError: string): void;
};

export type RunnerProcess = {
  name: string;
  url: string;
  /** Starts the process (again) and resolves once it serves HTTP and its engine started. */
  start(): Promise<void>;
  /** SIGKILL: no drain, no commit, no goodbye. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (drain), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  alive(): boolean;
  /** Times this process was started. */
  starts(): number;
  /** Consumer-group assignments its stage consumers logged (one per member per rebalance), all starts. */
  assignments(): number;
};

// Whatever way the suite ends, no runner it started outlives it.
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export function runnerProcess(spec: RunnerSpec): RunnerProcess {
  let child: ChildProcess | undefined;
  let starts = 0;
  let lastError = "";
  let assignments = 0;
  // Set before we signal the process ourselves: only other exits are crashes.
  let expectExit = false;
  let starting: Promise<void> | undefined;
  const log = createWriteStream(join(spec.logDir, `${spec.name}.log`), { flags: "a" });
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) =>
      c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
    );

  async function launch(): Promise<void> {
    starts++;
    expectExit = false;
    log.write(`--- start ${starts} at ${new Date().toISOString()}\n`);
    const c = spawn(process.execPath, [await buildRunner()], {
      cwd: spec.repoRoot,
      env: {
        ...spec.env,
        RUNNER_ID: `${spec.name}-${starts}`,
        RUNNER_PROCESSES: "1",
        RUNNER_HOST: "127.0.0.1",
        RUNNER_PORT: String(spec.port),
        RUNNER_INTERNAL_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    children.add(c);
    c.once("exit", () => children.delete(c));
    let ready = false;
    let buffered = "";
    const ready$ = new Promise<void>((resolve, reject) => {
      c.stdout?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        for (const line of chunk.toString().split("\n")) {
          if (/"level":"(error|fatal)"/.test(line)) lastError = line.slice(0, 400);
          if (line.includes('"consumer group assignment"')) assignments++;
        }
        if (ready) return;
        buffered += chunk.toString();
        // main.ts logs "runner listening" after the engine started.
        if (buffered.includes('"runner listening"')) {
          ready = true;
          buffered = "";
          resolve();
        }
      });
      c.once("exit", (code, signal) => {
        if (!ready)
          reject(
            new Error(`${spec.name} exited during start (${code ?? signal}); see ${spec.logDir}/${spec.name}.log`),
          );
        else if (!expectExit) {
          log.write(`--- crashed (${code ?? signal}) at ${new Date().toISOString()}\n`);
          spec.onCrash?.(self, String(code ?? signal), lastError);
        }
      });
    });
    c.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
    // Generous: on a machine shared with builds, tsx + Prisma + the first reconcile pass take a while.
    const timeout = setTimeout(() => c.kill("SIGKILL"), 180_000);
    try {
      await ready$;
    } finally {
      clearTimeout(timeout);
    }
  }

  const self: RunnerProcess = {
    name: spec.name,
    url: `http://127.0.0.1:${spec.port}`,
    alive,
    starts: () => starts,
    assignments: () => assignments,
    start() {
      // One start at a time (a kill and the crash supervisor may both ask); a running process stays.
      starting ??= (alive() ? Promise.resolve() : launch()).finally(() => (starting = undefined));
      return starting;
    },
    async kill9() {
      if (!child || !alive()) return;
      const c = child;
      expectExit = true;
      c.kill("SIGKILL");
      await exited(c);
      log.write(`--- SIGKILL at ${new Date().toISOString()}\n`);
    },
    async stop(timeoutMs = 25_000) {
      if (!child || !alive()) return;
      const c = child;
      expectExit = true;
      const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      c.kill("SIGTERM");
      await exited(c);
      clearTimeout(timer);
    },
  };
  return self;
}
