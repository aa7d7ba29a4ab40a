import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths";

export const node22 = join(repoRoot, "node_modules", ".bin", "node");
/**
 * The runner's V8 flags (`npm start`, the e2e suite, the benchmarks, the runner image).
 * - The heap cap: its live heap stays near 100 MiB even at 5x overload (BENCHMARKS.md), but without a
 *   cap V8 lets the heap grow towards 500 MiB before collecting; the cap keeps RSS bounded.
 * - WebAssembly compiled by the baseline compiler only: the runner's wasm is Prisma's query compiler
 *   (a few queries a second) and the Kafka client's lz4/snappy codecs (only for compressed topics).
 *   Optimising the query compiler's hot functions took 35-110 MiB per engine process, most of it
 *   kept; without it the benchmark's overload peak fell by about 50 MiB PSS per runner, with no
 *   change in throughput, and lz4 costs ~0.4 µs more per record where it is used (BENCHMARKS.md).
 */
export const RUNNER_NODE_FLAGS = ["--max-old-space-size=384", "--liftoff-only"];
/**
 * The runner's environment on top of the caller's (its engine processes inherit it). glibc's malloc
 * keeps an arena per thread that allocates (V8's GC and compiler threads, libuv's pool) and their
 * free space stays resident: two arenas took about 50 MiB of RSS off each engine process at the
 * benchmark's max throughput, at no measurable CPU cost (BENCHMARKS.md).
 */
export const RUNNER_ENV = { MALLOC_ARENA_MAX: process.env["MALLOC_ARENA_MAX"] ?? "2" };
export const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

/** Runs a command to completion with inherited output; resolves to its exit code. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: repoRoot, stdio: "inherit", ...opts });
    p.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    p.on("error", () => resolve(127));
  });
}

export type Managed = { name: string; proc: ChildProcess; stop(): Promise<void> };

/** Starts a long-running child whose output lines are prefixed with its name. */
export function startManaged(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = repoRoot,
  logFile?: string,
): Managed {
  const proc = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  // Tests keep a copy of every line, e.g. to prove no secret ever reached a log.
  const copy = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
  if (copy) {
    proc.stdout?.pipe(copy, { end: false });
    proc.stderr?.pipe(copy, { end: false });
  }
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => `${name.padEnd(6)}| ${l}\n`)
      .join("");
  proc.stdout?.on("data", (c: Buffer) => process.stdout.write(prefix(c)));
  proc.stderr?.on("data", (c: Buffer) => process.stderr.write(prefix(c)));
  return {
    name,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
        proc.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

export async function waitForHttp(url: string, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`process for ${url} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}
