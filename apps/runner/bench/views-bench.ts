// One run of the views benchmark: GET /v1/views/<view> against the real runner process, the load
// generator in this process (node:http keep-alive connections).
//   A deployed pipeline whose Postgres sink (per-page 1-minute window counts, PRIMARY KEY (page,
//   window_start)) is served as view `page-counts` (key page, newest window first) and whose Redis
//   sink (a sorted set of the latest window's pages) is served as `trending`. The table holds PAGES
//   pages x WINDOWS windows and the sorted set PAGES members, written before the load.
// Requests: 80% `page-counts?key=<random page>`, 20% `trending?top=10`, with one read API key.
// Phases: open loop at each of --rates (requests/s; latency measured from each request's scheduled
// time, so a stall counts against every request it delays) and a closed loop with --connections
// workers for the maximum throughput. Every answer is compared with the expected JSON (the newest
// window's row of that page; the top 10 members); any other answer fails the run (exit 1), except 503
// (the runner shedding load past its 2 s view timeout), counted per phase as answered503.
// Prints one JSON line (scripts/bench.ts takes medians).
//
//   node --import tsx apps/runner/bench/views-bench.ts [--port 4205] [--rates 200,1000]
//     [--seconds 15] [--max-seconds 15] [--connections 16]
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import {
  closeSinkTable,
  createApiKey,
  createIngestPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  waitRunning,
} from "../test/engine-world";
import { graph, ingestNode, PAGE_COUNTS_COLUMNS, pageCountsView, trendingView } from "../test/graphs";
import { sleep, testServices, uniqueName } from "../test/services";
import { startRunnerProcess } from "./runner-process";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4205" },
    rates: { type: "string", default: "200,1000" },
    seconds: { type: "string", default: "15" },
    "max-seconds": { type: "string", default: "15" },
    connections: { type: "string", default: "16" },
    "runner-node-flags": { type: "string", default: "" },
  },
});
const log = (line: string) => process.stderr.write(`[views-bench] ${line}\n`);
const PAGES = 10_000;
const WINDOWS = 10;
const BASE = Date.parse("2026-01-01T00:00:00Z");

const world = await createWorld();
const table = uniqueName("views_bench").replace(/-/g, "_");
const boardKey = `${uniqueName("views-bench")}:trending`;
const sinkDb = await openSinkTable(table, PAGE_COUNTS_COLUMNS);
const pageName = (i: number) => `/p/${i}`;
const countOf = (page: number, window: number) => ((page * 7919 + window * 104729) % 1000) + 1;
let runner: Awaited<ReturnType<typeof startRunnerProcess>> | undefined;
// Idle sockets are dropped before the runner's 5 s keep-alive timeout would close them under a request.
const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
try {
  log(`writing ${PAGES * WINDOWS} rows and ${PAGES} leaderboard members`);
  for (let w = 0; w < WINDOWS; w++) {
    await sinkDb.query(
      `INSERT INTO ${table} SELECT '/p/' || i, $1::timestamptz, ((i * 7919 + $2 * 104729) % 1000) + 1 FROM generate_series(0, ${PAGES - 1}) AS i`,
      [new Date(BASE + w * 60_000).toISOString(), w],
    );
  }
  await sinkDb.query(`ANALYZE ${table}`);
  const latest = WINDOWS - 1;
  const members: (string | number)[] = [];
  for (let i = 0; i < PAGES; i++) members.push(countOf(i, latest), pageName(i));
  await world.redis.zadd(boardKey, ...members);

  const ingest = await createIngestPipeline(world, "views-bench");
  const pgSecret = await createSecret(world, testServices.databaseUrl);
  const redisSecret = await createSecret(world, testServices.redisUrl);
  const g = graph(
    [ingestNode(ingest), pageCountsView(pgSecret, table), trendingView(redisSecret, boardKey)],
    [
      ["ingest", "counts"],
      ["ingest", "board"],
    ],
  );
  const reader = await createApiKey(world, undefined, "read");
  const port = Number(values.port);
  process.env["RUNNER_VIEW_RATE_PER_KEY"] = "0";
  runner = await startRunnerProcess(world, { port, nodeFlags: values["runner-node-flags"] });
  const { deploymentId } = await deploy(world, ingest.pipeline.id, g);
  await waitRunning(world, deploymentId, 60_000);

  const expectedTop = JSON.stringify({
    view: "trending",
    key: null,
    top: Array.from({ length: PAGES }, (_, i) => ({ member: pageName(i), score: countOf(i, latest) }))
      .sort((a, b) => b.score - a.score || (b.member < a.member ? -1 : b.member > a.member ? 1 : 0))
      .slice(0, 10),
  });
  const expectedRow = (i: number) =>
    JSON.stringify({
      view: "page-counts",
      key: pageName(i),
      rows: [
        { page: pageName(i), window_start: new Date(BASE + latest * 60_000).toISOString(), events: countOf(i, latest) },
      ],
    });

  type Answer = { status: number; body: string };
  let resent = 0;
  /** A keep-alive socket the server closed as the request went out is resent once (counted). */
  const get = (path: string): Promise<Answer> =>
    send(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") throw error;
      resent++;
      return send(path);
    });
  const send = (path: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent, headers: { "x-api-key": reader.token } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  let seq = 0;
  /** The next request of the 80/20 mix and its expected answer. */
  const next = (): { path: string; expected: string } => {
    const n = seq++;
    if (n % 5 === 4) return { path: "/v1/views/trending?top=10", expected: expectedTop };
    const page = (n * 2654435761) % PAGES;
    return { path: `/v1/views/page-counts?key=${encodeURIComponent(pageName(page))}`, expected: expectedRow(page) };
  };
  const mismatches: string[] = [];
  /** 503 answers (the runner shedding load past its 2 s view timeout), per phase. */
  let shed = 0;
  const check = (answer: Answer, expected: string, path: string) => {
    if (answer.status === 200 && answer.body === expected) return;
    if (answer.status === 503) {
      shed++;
      return;
    }
    if (mismatches.length < 5) mismatches.push(`${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
    else mismatches.push("");
  };
  const quantile = (sorted: number[], q: number) =>
    sorted.length === 0 ? null : +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  const summary = (latencies: number[], seconds: number) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const unavailable = shed;
    shed = 0;
    return {
      requests: sorted.length,
      answered503: unavailable,
      requestsPerSecond: Math.round(sorted.length / seconds),
      p50Ms: quantile(sorted, 0.5),
      p90Ms: quantile(sorted, 0.9),
      p99Ms: quantile(sorted, 0.99),
      maxMs: quantile(sorted, 1),
    };
  };

  // Warm-up: connections, the runner's key cache, Postgres' buffers (its 503s are not counted).
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 200; i++) {
        const r = next();
        check(await get(r.path), r.expected, r.path);
      }
    }),
  );

  /** Open loop: a request every 1/rate s on schedule; latency from the scheduled time. */
  async function openLoop(rate: number, seconds: number) {
    const latencies: number[] = [];
    const service: number[] = [];
    let lateSends = 0;
    const total = Math.round(rate * seconds);
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const r = next();
      const sent = performance.now();
      if (sent - due > 5) lateSends++;
      inFlight.push(
        get(r.path).then((answer) => {
          const now = performance.now();
          latencies.push(now - due);
          service.push(now - sent);
          check(answer, r.expected, r.path);
        }),
      );
      if (inFlight.length > 5000) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - start) / 1000;
    const fromSend = [...service].sort((a, b) => a - b);
    // fromSend: the runner's answer time alone; the scheduled-time figures also hold the load
    // generator's own delays (lateSends: requests it sent more than 5 ms after their time).
    return {
      offeredPerSecond: rate,
      ...summary(latencies, elapsed),
      fromSend: { p50Ms: quantile(fromSend, 0.5), p99Ms: quantile(fromSend, 0.99) },
      lateSends,
    };
  }

  /** Closed loop: `connections` workers, each sending its next request when the last one answered. */
  async function closedLoop(connections: number, seconds: number) {
    const latencies: number[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          const r = next();
          const sent = performance.now();
          const answer = await get(r.path);
          latencies.push(performance.now() - sent);
          check(answer, r.expected, r.path);
        }
      }),
    );
    return { connections, ...summary(latencies, (performance.now() - start) / 1000) };
  }

  shed = 0;
  const rates: Record<string, unknown> = {};
  for (const rate of values.rates.split(",").map(Number)) {
    log(`open loop at ${rate} requests/s`);
    rates[String(rate)] = await openLoop(rate, Number(values.seconds));
  }
  log(`closed loop, ${values.connections} connections`);
  const max = await closedLoop(Number(values.connections), Number(values["max-seconds"]));
  const answered =
    Object.values(rates).reduce<number>((n, r) => n + (r as { requests: number }).requests, 0) + max.requests;
  const result = {
    pages: PAGES,
    windowsPerPage: WINDOWS,
    mix: "80% page-counts (Postgres, newest row of a random page), 20% trending?top=10 (Redis sorted set)",
    rates,
    max,
    answered,
    resentAfterSocketReset: resent,
    mismatches: mismatches.length,
    mismatchSamples: mismatches.filter(Boolean),
  };
  console.log(JSON.stringify(result));
  if (mismatches.length > 0) {
    log(`${mismatches.length} answers differed from the expected rows: ${mismatches.filter(Boolean).join(" | ")}`);
    process.exitCode = 1;
  }
} finally {
  agent.destroy();
  await runner?.stop();
  await world.redis.del(boardKey);
  await closeSinkTable(sinkDb, table);
  await world.close();
}
