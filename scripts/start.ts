// `npm start`: services up (or reused), database migrated and seeded, web + runner running.
// Ctrl-C stops everything this script started, in reverse order.
import { join } from "node:path";
import { createPrismaClient, ensureDatabase, migrateDatabase } from "@sluice/db";
import { localSecrets, serviceUrls } from "./lib/config";
import { repoRoot } from "./lib/paths";
import { bin, node22, startManaged, waitForHttp, RUNNER_ENV, RUNNER_NODE_FLAGS, type Managed } from "./lib/procs";
import { DEMO_PIPELINE } from "./lib/demo-pipeline";
import { DEMO_USER, seedDemo, type DemoSeed } from "./lib/seed";
import { ServiceError, ensureServices, type Services } from "./lib/services";
import { ensureWebBuild } from "./lib/web-build";
import { buildRunner } from "../apps/runner/build";
import { buildSdk } from "../packages/sdk/build";

const dev = process.env.SLUICE_MODE === "dev";
const webPort = Number(process.env.PORT ?? 3000);
const runnerPort = Number(process.env.RUNNER_PORT ?? 4100);
const runnerInternalPort = Number(process.env.RUNNER_INTERNAL_PORT ?? 4101);
const appUrl = process.env.APP_URL ?? `http://localhost:${webPort}`;

const children: Managed[] = [];
let services: Services | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log("\n[sluice] stopping ...");
  for (const c of [...children].reverse()) await c.stop();
  await services?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

async function main() {
  const urls = serviceUrls({ database: "postgresql://root@127.0.0.1:5432/sluice", redis: "redis://127.0.0.1:6379" });
  services = await ensureServices(urls);

  await ensureDatabase(urls.databaseUrl);
  await migrateDatabase(urls.databaseUrl, { log: (m) => console.log(`[sluice] ${m}`) });
  const secrets = localSecrets();
  const prisma = createPrismaClient(urls.databaseUrl);
  const demo =
    process.env.SLUICE_SEED_DEMO !== "false"
      ? await seedDemo(prisma, {
          databaseUrl: urls.databaseUrl,
          redisUrl: urls.redisUrl,
          secretKey: secrets.SLUICE_SECRET_KEY,
          pipeline: process.env.SLUICE_DEMO !== "0",
        })
      : undefined;
  await prisma.$disconnect();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...secrets,
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    KAFKA_BROKERS: urls.kafkaBrokers,
    RUNNER_PORT: String(runnerPort),
    RUNNER_INTERNAL_PORT: String(runnerInternalPort),
    RUNNER_INTERNAL_URL: `http://127.0.0.1:${runnerInternalPort}`,
    APP_URL: appUrl,
    PORT: String(webPort),
    NEXT_TELEMETRY_DISABLED: "1",
  };

  if (!dev) await ensureWebBuild({ ...env, NODE_ENV: "production" });
  // The runner serves the SDK's browser bundle (GET /sdk/v1/sluice.min.js).
  await buildSdk({ declarations: false });

  const runner = startManaged("runner", node22, [...RUNNER_NODE_FLAGS, await buildRunner()], { ...env, ...RUNNER_ENV });
  children.push(runner);
  const web = startManaged(
    "web",
    bin("next"),
    dev ? ["dev", "-p", String(webPort)] : ["start", "-p", String(webPort)],
    { ...env, NODE_ENV: dev ? "development" : "production" },
    join(repoRoot, "apps", "web"),
  );
  children.push(web);
  for (const c of children)
    c.proc.on(
      "exit",
      (code) => !stopping && (console.error(`[sluice] ${c.name} exited (${code}); stopping.`), void shutdown(1)),
    );

  // Ready when every engine process is (RUNNER_PROCESSES, default one per core; with more than one, the first starts alone).
  await waitForHttp(`http://127.0.0.1:${runnerInternalPort}/healthz`, 180_000, runner.proc);
  await waitForHttp(`http://127.0.0.1:${webPort}/api/health`, 120_000, web.proc);

  console.log(`
  Sluice is running.
    App:        ${appUrl}
    Sign in:    ${DEMO_USER.email} / ${DEMO_USER.password}   (demo account, local only)${demo?.pipeline ? demoBanner(demo.pipeline) : ""}
    Health:     ${appUrl}/api/health
    Runner:     http://127.0.0.1:${runnerPort}  (POST /v1/ingest/<key>); internal http://127.0.0.1:${runnerInternalPort} (/healthz, /metrics)
    Kafka:      ${urls.kafkaBrokers}   Postgres: ${urls.databaseUrl}   Redis: ${urls.redisUrl}
  Press Ctrl-C to stop.
`);
}

/** Where to watch the demo pipeline, and a curl that feeds it (the ingest fills in id and timestamp). */
function demoBanner(p: NonNullable<DemoSeed["pipeline"]>): string {
  const body = JSON.stringify([{ type: "page_view", userId: "curl-user", props: { path: "/pricing" } }]);
  const curl = p.ingestToken
    ? `curl -X POST http://127.0.0.1:${runnerPort}/v1/ingest/${p.pathKey} -H 'content-type: application/json' -H 'x-api-key: ${p.ingestToken}' -d '${body}'`
    : "(the demo key was sealed under another SLUICE_SECRET_KEY: create one under Settings → API keys)";
  return `
    Demo:       open ${appUrl} → ${DEMO_PIPELINE.name} → Monitor   (SLUICE_DEMO=0 skips it)
    Send one:   ${curl}`;
}

main().catch(async (e: unknown) => {
  const known =
    e instanceof ServiceError || (e instanceof Error && /unavailable|not reachable|Invalid/.test(e.message));
  console.error(
    `\n[sluice] ${known ? "" : "start failed: "}${e instanceof Error ? (known ? e.message : e.stack) : String(e)}`,
  );
  await shutdown(1);
});
