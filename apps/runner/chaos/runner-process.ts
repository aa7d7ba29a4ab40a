// Runner processes as operators run them (`node --import tsx apps/runner/src/main.ts`), each with its
// own port, that a scenario can SIGKILL and start again. Their output goes to a log file per process.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";

export type RunnerSpec = { name: string; port: number; env: NodeJS.ProcessEnv; repoRoot: string; logDir: string };

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
};

export function runnerProcess(spec: RunnerSpec): RunnerProcess {
  let child: ChildProcess | undefined;
  let starts = 0;
  const log = createWriteStream(join(spec.logDir, `${spec.name}.log`), { flags: "a" });
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve())));

  return {
    name: spec.name,
    url: `http://127.0.0.1:${spec.port}`,
    alive,
    starts: () => starts,
    async start() {
      if (alive()) throw new Error(`${spec.name} is already running`);
      starts++;
      log.write(`--- start ${starts} at ${new Date().toISOString()}\n`);
      const c = spawn(process.execPath, ["--import", "tsx", "apps/runner/src/main.ts"], {
        cwd: spec.repoRoot,
        env: { ...spec.env, RUNNER_ID: `${spec.name}-${starts}`, RUNNER_HOST: "127.0.0.1", RUNNER_PORT: String(spec.port) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = c;
      let ready = false;
      let buffered = "";
      const ready$ = new Promise<void>((resolve, reject) => {
        c.stdout?.on("data", (chunk: Buffer) => {
          log.write(chunk);
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
          if (!ready) reject(new Error(`${spec.name} exited during start (${code ?? signal}); see ${spec.logDir}/${spec.name}.log`));
        });
      });
      c.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
      const timeout = setTimeout(() => c.kill("SIGKILL"), 60_000);
      try {
        await ready$;
      } finally {
        clearTimeout(timeout);
      }
    },
    async kill9() {
      if (!child || !alive()) return;
      const c = child;
      c.kill("SIGKILL");
      await exited(c);
      log.write(`--- SIGKILL at ${new Date().toISOString()}\n`);
    },
    async stop(timeoutMs = 25_000) {
      if (!child || !alive()) return;
      const c = child;
      const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      c.kill("SIGTERM");
      await exited(c);
      clearTimeout(timer);
    },
  };
}
