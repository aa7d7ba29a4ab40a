// `npm test`: the whole suite against real services, in the order that fails fastest:
// typecheck, lint (eslint and the import rules), format, unused code, unit, integration (Postgres/Redis/Kafka),
// browser (Chromium against the built app).
// Ends with one summary line `sluice: N passed, N failed`. Stops whatever it started.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureDebianPackages } from "./lib/apt";
import { recreateDatabase } from "./lib/database";
import { localSecrets, serviceUrls } from "./lib/config";
import { repoRoot } from "./lib/paths";
import { bin, node22, run, startManaged, waitForHttp, RUNNER_ENV, RUNNER_NODE_FLAGS, type Managed } from "./lib/procs";
import { startSecureKafka, type SecureKafka } from "./lib/secure-kafka";
import { defaultSchemaRegistryUrl, ensureServices, type Services } from "./lib/services";
import { ensureWebBuild } from "./lib/web-build";
import { buildRunner } from "../apps/runner/build";
import { buildSdk } from "../packages/sdk/build";

const out = join(repoRoot, ".cache", "test");
const serviceLog = join(out, "services.log");
/** Must match SECRET_CANARY in apps/web/e2e/helpers.ts. */
const SECRET_CANARY = "canary-3f9a";
const only = new Set(process.argv.slice(2)); // e.g. `npm test -- unit e2e`
/** `SLUICE_TEST_FILES="ingest window"`: only test files whose path contains one of these (vitest and Playwright filters). */
const fileFilters = (process.env.SLUICE_TEST_FILES ?? "").split(/\s+/).filter(Boolean);
const want = (step: string) => only.size === 0 || only.has(step);

type StepResult = { step: string; passed: number; failed: number; skipped: number; seconds: number };
const results: StepResult[] = [];
let services: Services | undefined;
let secureStart: Promise<SecureKafka> | undefined;
const children: Managed[] = [];

async function step(name: string, fn: () => Promise<Omit<StepResult, "step" | "seconds">>) {
  if (!want(name)) return;
  console.log(`\n[sluice] ── ${name} ${"─".repeat(60 - name.length)}`);
  const t = Date.now();
  let r: Omit<StepResult, "step" | "seconds">;
  try {
    r = await fn();
  } catch (e) {
    console.error(`[sluice] ${name} could not run: ${e instanceof Error ? e.message : String(e)}`);
    r = { passed: 0, failed: 1, skipped: 0 };
  }
  results.push({ step: name, ...r, seconds: Math.round((Date.now() - t) / 1000) });
}

/** A command that passes or fails as a whole (typecheck, lint) counts as one check. */
async function check(cmd: string, args: string[], opts = {}) {
  const code = await run(cmd, args, opts);
  return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
}

async function vitest(project: string, env: NodeJS.ProcessEnv) {
  const file = join(out, `vitest-${project}.json`);
  rmSync(file, { force: true });
  await run(
    bin("vitest"),
    ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${file}`, ...fileFilters],
    { env },
  );
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  // A file that fails to load has no tests but is a failure all the same.
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0),
    skipped: r.numPendingTests + r.numTodoTests,
  };
}

/** True when a selected test file uses the SASL_SSL test broker (it calls `secureBroker()`). */
function needsSecureKafka(): boolean {
  const listed = spawnSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "*.test.ts", "*.spec.ts"],
    { cwd: repoRoot, encoding: "utf8" },
  );
  const files = (listed.stdout ?? "").split("\n").filter(Boolean);
  return files.some(
    (f) =>
      (fileFilters.length === 0 || fileFilters.some((filter) => f.includes(filter))) &&
      readFileSync(join(repoRoot, f), "utf8").includes("secureBroker("),
  );
}

async function main() {
  mkdirSync(out, { recursive: true });
  const urls = {
    ...serviceUrls({ database: "postgresql://root@127.0.0.1:5432/sluice_test", redis: "redis://127.0.0.1:6379/1" }),
    schemaRegistryUrl: defaultSchemaRegistryUrl(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...localSecrets(),
    NODE_ENV: "test",
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    KAFKA_BROKERS: urls.kafkaBrokers,
    SCHEMA_REGISTRY_URL: urls.schemaRegistryUrl,
    NEXT_TELEMETRY_DISABLED: "1",
  };

  await step("typecheck", async () => {
    let failed = 0;
    for (const p of [
      "packages/shared",
      "packages/db",
      "packages/kafka",
      "packages/schema-registry",
      "packages/sdk",
      "apps/runner",
      "apps/web",
      "scripts",
    ]) {
      const code = await run(bin("tsc"), ["-p", p, "--noEmit"]);
      if (code !== 0) failed++;
    }
    return { passed: failed === 0 ? 1 : 0, failed, skipped: 0 };
  });
  await step("lint", async () => {
    const eslint = await check(bin("eslint"), ["--max-warnings=0", "."]);
    // Import rules: no cycles, the runner's layers import downward, web client code never imports server code (.dependency-cruiser.mjs).
    const imports = await check(node22, [bin("depcruise"), "--config", ".dependency-cruiser.mjs", "apps", "packages"]);
    return { passed: eslint.passed + imports.passed, failed: eslint.failed + imports.failed, skipped: 0 };
  });
  // One formatter (Biome, formatting only; eslint lints): `npx biome format --write .` fixes what this reports.
  await step("format", () => check(node22, [bin("biome"), "format", "."]));
  // Unused files, exports and dependencies (knip.json says what the entry points are).
  await step("unused", () => check(node22, [bin("knip"), "--no-progress"]));
  await step("unit", () => vitest("unit", env));

  const needServices = want("integration") || want("e2e");
  // The SASL_SSL broker (one more JVM) only when a selected test uses it; it starts while the
  // other services come up. Its passwords carry the canary, so the log scan catches a leak.
  secureStart =
    needServices && needsSecureKafka() ? startSecureKafka({ passwordPrefix: `${SECRET_CANARY}-` }) : undefined;
  secureStart?.catch(() => undefined);
  if (needServices) {
    services = await ensureServices(urls);
    await recreateDatabase(urls.databaseUrl);
  }
  if (secureStart) Object.assign(env, (await secureStart).env);
  await step("integration", async () => {
    ensureDebianPackages({ "docker-compose": "docker-compose" });
    return vitest("integration", env);
  });

  await step("e2e", async () => {
    ensureDebianPackages({ chromium: "chromium" });
    // Start the browser tests from an empty database: deployments left by integration tests would
    // otherwise be picked up by the runner and compete for the two cores.
    await recreateDatabase(urls.databaseUrl);
    // Overridable so several checkouts on one machine can run browser tests at once.
    const webPort = Number(process.env.E2E_WEB_PORT ?? 3100);
    const runnerPort = Number(process.env.E2E_RUNNER_PORT ?? 4200);
    const runnerInternalPort = Number(process.env.E2E_RUNNER_INTERNAL_PORT ?? runnerPort + 100);
    const e2eEnv: NodeJS.ProcessEnv = {
      ...env,
      NODE_ENV: "production",
      PORT: String(webPort),
      RUNNER_PORT: String(runnerPort),
      RUNNER_INTERNAL_PORT: String(runnerInternalPort),
      RUNNER_INTERNAL_URL: `http://127.0.0.1:${runnerInternalPort}`,
      // Where browsers reach ingest (the "Send events" snippets, the SDK browser test).
      INGEST_PUBLIC_URL: `http://127.0.0.1:${runnerPort}`,
      APP_URL: `http://localhost:${webPort}`,
      E2E_BASE_URL: `http://localhost:${webPort}`,
      // Lets the browser tests read /api/health's per-service details.
      HEALTH_TOKEN: "e2e-health-token-not-secret",
    };
    await ensureWebBuild(e2eEnv);
    // The runner serves the SDK's browser bundle (GET /sdk/v1/sluice.min.js).
    await buildSdk({ declarations: false });
    rmSync(serviceLog, { force: true });
    const runner = startManaged(
      "runner",
      node22,
      [...RUNNER_NODE_FLAGS, await buildRunner()],
      { ...e2eEnv, ...RUNNER_ENV, LOG_LEVEL: "info" },
      repoRoot,
      serviceLog,
    );
    children.push(runner);
    const web = startManaged(
      "web",
      bin("next"),
      ["start", "-p", String(webPort)],
      e2eEnv,
      join(repoRoot, "apps", "web"),
      serviceLog,
    );
    children.push(web);
    await waitForHttp(`http://127.0.0.1:${runnerInternalPort}/healthz`, 180_000, runner.proc);
    await waitForHttp(`http://127.0.0.1:${webPort}/api/health`, 90_000, web.proc);
    const file = join(out, "playwright.json");
    rmSync(file, { force: true });
    await run(bin("playwright"), ["test", "-c", "apps/web/playwright.config.ts", ...fileFilters], {
      env: { ...e2eEnv, PLAYWRIGHT_JSON_OUTPUT_NAME: file },
    });
    if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
    const r = JSON.parse(readFileSync(file, "utf8")) as {
      stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    };
    return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped };
  });

  // Browser tests submit secrets, passwords and tokens containing this marker; none may be logged.
  await step("log-scan", async () => {
    if (!want("e2e")) return { passed: 0, failed: 0, skipped: 1 };
    const text = existsSync(serviceLog) ? readFileSync(serviceLog, "utf8") : "";
    const leaks = text.split("\n").filter((l) => l.includes(SECRET_CANARY));
    for (const l of leaks.slice(0, 5))
      console.error(`[sluice] secret canary found in a service log: ${l.slice(0, 200)}`);
    return {
      passed: text.length > 0 && leaks.length === 0 ? 1 : 0,
      failed: text.length === 0 || leaks.length > 0 ? 1 : 0,
      skipped: 0,
    };
  });
}

try {
  await main();
} catch (e) {
  console.error(`\n[sluice] test run aborted: ${e instanceof Error ? e.message : String(e)}`);
  results.push({ step: "setup", passed: 0, failed: 1, skipped: 0, seconds: 0 });
} finally {
  for (const c of children.reverse()) await c.stop();
  await secureStart?.then(
    (k) => k.stop(),
    () => undefined,
  );
  await services?.stop();
}
const total = results.reduce(
  (a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log("\n[sluice] summary");
for (const r of results)
  console.log(
    `  ${r.step.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped).padStart(3)} skipped  ${r.seconds}s`,
  );
const exitCode = total.failed > 0 || results.length === 0 ? 1 : 0;
console.log(`\nsluice: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(exitCode);
