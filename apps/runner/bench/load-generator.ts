// The benchmark's load generator, a process of its own (never the runner's): POSTs batches of
// ~300-byte JSON events over keep-alive connections to a runner's ingest endpoint.
//   --rate 0   closed loop: every connection sends its next request as soon as the last one answered
//   --rate N   open loop: a request of --batch events every batch/N seconds, whatever the answers;
//              requests that find every connection busy wait (bounded: beyond 8 per connection the
//              generator counts them as "not offered" rather than queueing without bound)
// It keeps what the benchmark checks the sink against: the exact count of accepted events per
// tumbling window (--window-ms) and type, the newest accepted event time per type, and for every
// window end the moment (epoch ms) the first accepted request carried an event at or past that end
// plus the watermark delay (--delay-ms): the input that lets the window close, so latency to the
// sink starts there. With --close it ends with one request of 24 events per type (users spread over every partition), timed just past the
// last window's end plus the delay, so every window with accepted events can close.
// Prints one JSON line: accepted/rejected events, 429s, errors, request latency p50/p99, the achieved
// rate, and those window figures.
//   node --import tsx apps/runner/bench/load-generator.ts --url http://127.0.0.1:4205/v1/ingest/<key> --key <token>
//     [--rate 0] [--seconds 10] [--connections 8] [--batch 100] [--prefix run1] [--window-ms 10000] [--delay-ms 1000] [--close]
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { addCounts, windowKey, windowStartOf, type WindowCounts } from "./window-counts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    key: { type: "string" },
    rate: { type: "string", default: "0" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "8" },
    batch: { type: "string", default: "100" },
    prefix: { type: "string", default: "e" },
    "window-ms": { type: "string", default: "10000" },
    "delay-ms": { type: "string", default: "1000" },
    close: { type: "boolean", default: false },
  },
});
if (!values.url || !values.key) throw new Error("--url and --key are required");
const url = new URL(values.url);
const token = values.key;
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const batch = Number(values.batch);
const prefix = values.prefix;
const windowMs = Number(values["window-ms"]);
const delayMs = Number(values["delay-ms"]);

const TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup"] as const;
const PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/stream-processing", "/checkout"];
let sequence = 0;

/** One event of ~300 bytes once serialised, like the workload. */
function event(i: number, at = Date.now()) {
  return {
    id: `${prefix}-${i}`,
    type: TYPES[i % TYPES.length]!,
    userId: `user-${(i * 7919) % 10_000}`,
    timestamp: new Date(at).toISOString(),
    props: {
      amount: (i % 500) / 10,
      currency: "EUR",
      sku: `sku-${i % 1000}`,
      page: PAGES[i % PAGES.length],
      referrer: "https://search.example.com/q",
    },
    context: { locale: "en-GB", screen: "1920x1080", library: "sluice-bench/1.0" },
  };
}

type Event = ReturnType<typeof event>;

function body(): Event[] {
  const events = [];
  for (let i = 0; i < batch; i++) events.push(event(sequence++));
  return events;
}

const windows: WindowCounts = new Map();
const maxEventTime: Record<string, number> = {};
/** Window end (epoch ms) → when the first accepted request let it close (epoch ms). */
const closableAt: Record<number, number> = {};
let nextEnd = windowStartOf(Date.now(), windowMs) + windowMs;

/** Books an accepted request: every event but those the runner rejected (by index). */
function accepted(events: Event[], rejectedIndexes: Set<number>) {
  const at = Date.now();
  let newest = -Infinity;
  events.forEach((e, index) => {
    if (rejectedIndexes.has(index)) return;
    const ts = Date.parse(e.timestamp);
    addCounts(windows, [[windowKey(windowStartOf(ts, windowMs), e.type), 1]]);
    maxEventTime[e.type] = Math.max(maxEventTime[e.type] ?? ts, ts);
    newest = Math.max(newest, ts);
  });
  // Answers are handled in arrival order, so the first one past an end is the earliest.
  while (newest >= nextEnd + delayMs) {
    closableAt[nextEnd] = at;
    nextEnd += windowMs;
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
const totals = { requests: 0, accepted: 0, rejected: 0, tooMany: 0, errors: 0, notOffered: 0, bytes: 0 };
let outstanding = 0;

function send(events = body()): Promise<number> {
  const payload = JSON.stringify(events);
  totals.bytes += payload.length;
  const started = performance.now();
  outstanding++;
  return new Promise<number>((resolve) => {
    const req = request(
      {
        agent,
        method: "POST",
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          "x-api-key": token,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          outstanding--;
          totals.requests++;
          if (res.statusCode === 202) {
            latencies.push(performance.now() - started);
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as {
              accepted: number;
              rejected: number;
              errors?: { index: number }[];
            };
            totals.accepted += answer.accepted;
            totals.rejected += answer.rejected;
            accepted(events, new Set((answer.errors ?? []).map((e) => e.index)));
          } else if (res.statusCode === 429) totals.tooMany++;
          else totals.errors++;
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", () => {
      outstanding--;
      totals.errors++;
      resolve(0);
    });
    req.end(payload);
  });
}

const started = performance.now();
const startedAt = Date.now();
const deadline = started + seconds * 1000;
if (rate <= 0) {
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const before = totals.tooMany;
        await send();
        // Pushed back: try again shortly rather than hammering (Retry-After is 5 s; we probe sooner).
        if (totals.tooMany > before) await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
} else {
  const intervalMs = (batch / rate) * 1000;
  const inflight = new Set<Promise<unknown>>();
  let next = started;
  while (next < deadline) {
    const now = performance.now();
    if (now < next) await new Promise((r) => setTimeout(r, Math.min(next - now, 50)));
    // Catch up on every due slot (timers are coarse), each one a request or a "not offered".
    while (next <= performance.now() && next < deadline) {
      next += intervalMs;
      if (outstanding >= connections * 8) {
        totals.notOffered += batch;
        continue;
      }
      const p: Promise<unknown> = send().finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }
  await Promise.all(inflight);
}
const elapsed = (performance.now() - started) / 1000;
const endedAt = Date.now();
latencies.sort((a, b) => a - b);
const pct = (q: number) =>
  latencies.length === 0
    ? null
    : +latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
// The load's own figures, before the closing request below.
const summary = {
  ...totals,
  seconds: +elapsed.toFixed(2),
  startedAt,
  endedAt,
  acceptedPerSecond: Math.round(totals.accepted / elapsed),
  requestP50Ms: pct(0.5),
  requestP99Ms: pct(0.99),
  avgEventBytes: Math.round(totals.bytes / Math.max(1, sequence)),
};

// Closing request: events of every type just past the last window's end plus the delay, retried until
// accepted (ingest may push back while it drains), so the benchmark can wait for every window to land.
let resumeAfter: number | null = null;
if (values.close && Object.keys(maxEventTime).length > 0) {
  const lastEnd = windowStartOf(Math.max(...Object.values(maxEventTime)), windowMs) + windowMs;
  // 24 users per type: the window's watermark is the minimum over the ingest topic's partitions
  // (keyed by user), so the closing events must reach every one of them (6 here; 120 keys miss one
  // with a probability of about 1e-9).
  const closing = TYPES.flatMap((_, i) =>
    Array.from({ length: 24 }, (_, j) => ({
      ...event(sequence++, lastEnd + delayMs),
      type: TYPES[i]!,
      id: `${prefix}-close-${i}-${j}`,
    })),
  );
  const giveUp = performance.now() + 120_000;
  while ((await send(closing)) !== 202) {
    if (performance.now() > giveUp) throw new Error("the closing request was never accepted");
    await new Promise((r) => setTimeout(r, 250));
  }
  // Events of the next run must not be older than this end, or they would be late.
  resumeAfter = lastEnd;
}
agent.destroy();
process.stdout.write(
  `${JSON.stringify({ ...summary, windows: Object.fromEntries(windows), maxEventTime, closableAt, resumeAfter })}\n`,
);
