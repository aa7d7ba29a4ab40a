// The real runner as the benchmarks start it, built as `npm start` runs it (apps/runner/build.ts): its own process (the
// supervisor of RUNNER_PROCESSES engine processes, inherited from the environment like any runner
// setting), its own port, only the benchmark's workspace, optionally under the CPU profiler (every
// engine process writes its own profile).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { buildRunner } from "../build";
import type { World } from "../test/engine-world";
import { testServices, uniqueName } from "../test/services";
import { parseMetrics, type Scrape } from "./metrics-text";

export type RunnerProcess = {
  proc: ChildProcess;
  /** The process started; with several engine processes, their supervisor (proc-cpu.ts counts its descendants). */
  pid: number;
  /** Engine processes ready (sluice_runner_processes; 1 without a supervisor). */
  processes(): Promise<number>;
  base: string;
  scrape(): Promise<Scrape>;
  stop(): Promise<void>;
};

const root = join(import.meta.dirname, "..", "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the runner and resolves once /healthz says it is ready (every engine process). `nodeFlags`: V8 flags, e.g. "--max-old-space-size=384". */
export async function startRunnerProcess(
  world: World,
  options: { port: number; nodeFlags?: string; profileDir?: string | undefined },
): Promise<RunnerProcess> {
  const flags = (options.nodeFlags ?? "").split(" ").filter((f) => f !== "");
  const proc = spawn(
    process.execPath,
    [
      ...flags,
      ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : []),
      await buildRunner(),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        RUNNER_PORT: String(options.port),
        RUNNER_HOST: "127.0.0.1",
        // /metrics is on the internal listener.
        RUNNER_INTERNAL_PORT: String(options.port + 100),
        RUNNER_ID: uniqueName("bench-runner"),
        RUNNER_WORKSPACE_IDS: world.workspaceId,
        SLUICE_SECRET_KEY: world.secretKey,
        LOG_LEVEL: process.env["BENCH_RUNNER_LOG_LEVEL"] ?? "warn",
        DATABASE_URL: testServices.databaseUrl,
        REDIS_URL: testServices.redisUrl,
        KAFKA_BROKERS: testServices.kafkaBrokers,
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${options.port}`;
  const internal = `http://127.0.0.1:${options.port + 100}`;
  const runner: RunnerProcess = {
    proc,
    pid: proc.pid!,
    base,
    scrape: async () => parseMetrics(await (await fetch(`${internal}/metrics`)).text()),
    processes: async () => {
      const ready = (await runner.scrape()).series.filter(
        (s) => s.name === "sluice_runner_processes" && s.labels["state"] === "ready",
      );
      return ready.length === 0 ? 1 : ready[0]!.value;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await Promise.race([exited, sleep(25_000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`runner exited with ${proc.exitCode}`);
    if (
      await fetch(`${internal}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return runner;
    if (i > 900) {
      await runner.stop();
      throw new Error("runner did not start");
    }
    await sleep(200);
  }
}
