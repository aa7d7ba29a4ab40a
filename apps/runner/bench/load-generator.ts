// The benchmark's load generator, a process of its own (never the runner's): POSTs batches of
// ~300-byte JSON events over keep-alive connections to a runner's ingest endpoint.
//   --rate 0   closed loop: every connection sends its next request as soon as the last one answered
//   --rate N   open loop: a request of --batch events every batch/N seconds, whatever the answers;
//              requests that find every connection busy wait (bounded: beyond 8 per connection the
//              generator counts them as "not offered" rather than queueing without bound)
// Prints one JSON line: accepted/rejected events, 429s, errors, request latency p50/p99, the achieved rate.
//   node --import tsx apps/runner/bench/load-generator.ts --url http://127.0.0.1:4205/v1/ingest/<key> --key <token>
//     [--rate 0] [--seconds 10] [--connections 8] [--batch 100] [--prefix run1]
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    key: { type: "string" },
    rate: { type: "string", default: "0" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "8" },
    batch: { type: "string", default: "100" },
    prefix: { type: "string", default: "e" },
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

const TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup"] as const;
const PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/stream-processing", "/checkout"];
let sequence = 0;

/** One event of ~300 bytes once serialised, like the workload. */
function event(i: number) {
  return {
    id: `${prefix}-${i}`,
    type: TYPES[i % TYPES.length],
    userId: `user-${(i * 7919) % 10_000}`,
    timestamp: new Date().toISOString(),
    props: { amount: (i % 500) / 10, currency: "EUR", sku: `sku-${i % 1000}`, page: PAGES[i % PAGES.length], referrer: "https://search.example.com/q" },
    context: { locale: "en-GB", screen: "1920x1080", library: "sluice-bench/1.0" },
  };
}

function body(): string {
  const events = [];
  for (let i = 0; i < batch; i++) events.push(event(sequence++));
  return JSON.stringify(events);
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
const totals = { requests: 0, accepted: 0, rejected: 0, tooMany: 0, errors: 0, notOffered: 0, bytes: 0 };
let outstanding = 0;

function send(): Promise<void> {
  const payload = body();
  totals.bytes += payload.length;
  const started = performance.now();
  outstanding++;
  return new Promise<void>((resolve) => {
    const req = request(
      { agent, method: "POST", hostname: url.hostname, port: url.port, path: url.pathname, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "x-api-key": token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          outstanding--;
          totals.requests++;
          if (res.statusCode === 202) {
            latencies.push(performance.now() - started);
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { accepted: number; rejected: number };
            totals.accepted += answer.accepted;
            totals.rejected += answer.rejected;
          } else if (res.statusCode === 429) totals.tooMany++;
          else totals.errors++;
          resolve();
        });
      },
    );
    req.on("error", () => {
      outstanding--;
      totals.errors++;
      resolve();
    });
    req.end(payload);
  });
}

const started = performance.now();
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
  const inflight = new Set<Promise<void>>();
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
      const p = send().finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }
  await Promise.all(inflight);
}
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (q: number) => (latencies.length === 0 ? null : +latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1));
process.stdout.write(
  `${JSON.stringify({ ...totals, seconds: +elapsed.toFixed(2), acceptedPerSecond: Math.round(totals.accepted / elapsed), requestP50Ms: pct(0.5), requestP99Ms: pct(0.99), avgEventBytes: Math.round(totals.bytes / Math.max(1, sequence)) })}\n`,
);
