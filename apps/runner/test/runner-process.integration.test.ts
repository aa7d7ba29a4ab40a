// The runner as operators run it: a child process started with `node dist/main.mjs` (built by ../build.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildRunner } from "../build";
import { testServices } from "./services";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const children: ChildProcess[] = [];
let entry = "";
beforeAll(async () => {
  entry = await buildRunner();
});

type Started = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

function startRunner(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot,
    env: {
      PATH: process.env["PATH"] ?? "",
      RUNNER_HOST: "127.0.0.1",
      RUNNER_PORT: "0",
      RUNNER_INTERNAL_PORT: "0",
      DATABASE_URL: testServices.databaseUrl,
      // This test is about the process, not deployments: run none of the test database's.
      RUNNER_WORKSPACE_IDS: "runner-process-test-none",
      REDIS_URL: testServices.redisUrl,
      KAFKA_BROKERS: testServices.kafkaBrokers,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The public (ingest) and internal (health, metrics) listeners' URLs. */
async function listeningUrls(runner: Started, timeoutMs = 30_000): Promise<{ url: string; internalUrl: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of runner.stdout().split("\n")) {
      if (!line.includes('"runner listening"')) continue;
      return JSON.parse(line) as { url: string; internalUrl: string };
    }
    if (runner.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`runner did not start.\nstdout:\n${runner.stdout()}\nstderr:\n${runner.stderr()}`);
}

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const withinMs = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("runner process", () => {
  it("serves /healthz and /metrics on the internal listener only, and stops cleanly on SIGTERM", async () => {
    // One engine process, no supervisor (runner-cluster.integration.test.ts covers RUNNER_PROCESSES=2).
    const runner = startRunner({ RUNNER_ID: "test-runner-1", RUNNER_PROCESSES: "1" });
    const { url: publicUrl, internalUrl: url } = await listeningUrls(runner);
    expect(new URL(url).port).not.toBe(new URL(publicUrl).port);
    for (const path of ["/healthz", "/metrics"]) expect((await fetch(`${publicUrl}${path}`)).status).toBe(404);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; latencyMs: number }>;
    };
    expect(report.status).toBe("ok");
    for (const name of ["postgres", "redis", "kafka"]) {
      expect(report.checks[name]).toMatchObject({ ok: true, latencyMs: expect.any(Number) as number });
    }

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    expect(text).toMatch(/^sluice_runner_info\{runner_id="test-runner-1",version="\d+\.\d+\.\d+"\} 1$/m);
    expect(text).toContain("process_cpu_user_seconds_total");

    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });

    runner.child.kill("SIGTERM");
    expect(await withinMs(runner.exited, 5000)).toBe(0);
    expect(runner.stdout()).toContain('"runner stopped"');
  });

  it("exits non-zero naming KAFKA_BROKERS when the broker is unreachable, without a stack trace", async () => {
    const port = await closedPort();
    const runner = startRunner({ KAFKA_BROKERS: `127.0.0.1:${port}`, RUNNER_STARTUP_WAIT_MS: "2000" });
    const code = await withinMs(runner.exited, 30_000);
    expect(code).toBe(69);
    const stderr = runner.stderr();
    expect(stderr).toContain(`Kafka at 127.0.0.1:${port} is not available (ECONNREFUSED) after 2 s`);
    expect(stderr).toContain("fix KAFKA_BROKERS");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr + runner.stdout()).not.toMatch(/^\s+at /m);
  });

  it("exits 78 with a clear message for an invalid RUNNER_PORT", async () => {
    const runner = startRunner({ RUNNER_PORT: "eighty" });
    expect(await withinMs(runner.exited, 15_000)).toBe(78);
    expect(runner.stderr()).toBe(
      'runner: invalid runner environment:\n  RUNNER_PORT: must be a TCP port number (0-65535) (got "eighty")\n',
    );
    expect(runner.stdout()).toBe("");
  });
});
