// Compares the Kafka clients we could put behind src/kafka/ on the workload the runner has:
// keyed batches produced with acks=all (idempotent) and awaited, then read back by a consumer group.
// Each client runs in its own child process so CPU time and RSS belong to that client alone.
//
//   node --import tsx packages/kafka/bench/kafka-client.ts [--messages 200000] [--runs 3] [--batch 1000]
//     [--partitions 6] [--size 300] [--clients platformatic,kafkajs] [--brokers 127.0.0.1:9092]
//     [--platformatic-module /path/to/@platformatic/kafka/dist/index.js]   (measure another build)
//
// Prints a Markdown table of medians (and every run as JSON) for BENCHMARKS.md.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

type ClientName = "platformatic" | "kafkajs";

type RunResult = {
  client: ClientName;
  version: string;
  produceMs: number;
  produceCpuUs: number;
  joinMs: number;
  consumeMs: number;
  consumeCpuUs: number;
  rssAfterProduceMb: number;
  maxRssMb: number;
  /** Messages per partition: must be identical across clients (same key -> same partition). */
  perPartition: number[];
};

type BenchOptions = {
  brokers: string[];
  messages: number;
  batch: number;
  partitions: number;
  size: number;
  platformaticModule: string | undefined;
  compression: string;
};

const { values: args } = parseArgs({
  options: {
    child: { type: "string" },
    messages: { type: "string", default: "200000" },
    runs: { type: "string", default: "3" },
    batch: { type: "string", default: "1000" },
    partitions: { type: "string", default: "6" },
    size: { type: "string", default: "300" },
    clients: { type: "string", default: "platformatic,kafkajs" },
    brokers: { type: "string", default: "127.0.0.1:9092" },
    "platformatic-module": { type: "string" },
    /** @platformatic/kafka only: "none" (default) or "lz4" etc., to compare CPU per message. */
    compression: { type: "string", default: "none" },
  },
});

const options: BenchOptions = {
  brokers: args.brokers.split(","),
  messages: Number(args.messages),
  batch: Number(args.batch),
  partitions: Number(args.partitions),
  size: Number(args.size),
  platformaticModule: args["platformatic-module"],
  compression: args.compression,
};

// 10k distinct users, like user-activity traffic; the key is the user id.
const KEYS = 10_000;
const key = (i: number) => `user-${i % KEYS}`;
const HEADERS = { "content-type": "application/json" };

function payload(size: number): Buffer {
  return Buffer.from(randomBytes(size).toString("base64").slice(0, size));
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
// resourceUsage().maxRSS is in KiB on Linux.
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

async function benchPlatformatic(o: BenchOptions): Promise<RunResult> {
  const entry = o.platformaticModule ?? import.meta.resolve("@platformatic/kafka");
  const lib = (await import(entry)) as typeof import("@platformatic/kafka");
  const { Admin, Producer, Consumer, ProduceAcks, compatibilityPartitioner } = lib;
  const { readFile } = await import("node:fs/promises");
  const pkg = new URL("../package.json", entry.startsWith("/") ? `file://${entry}` : entry);
  const { version } = JSON.parse(await readFile(pkg, "utf8")) as { version: string };
  const topic = `bench.platformatic.${Date.now()}`;
  const admin = new Admin({ clientId: "bench-admin", bootstrapBrokers: o.brokers });
  await admin.createTopics({ topics: [topic], partitions: o.partitions, replicas: 1 });

  const value = payload(o.size);
  const headers = new Map(Object.entries(HEADERS).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
  const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(key(i)));
  const producer = new Producer({
    clientId: "bench-producer",
    bootstrapBrokers: o.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Java-compatible murmur2 placement (the default differs from Java's for negative hashes).
    partitioner: compatibilityPartitioner,
    ...(o.compression === "none" ? {} : { compression: o.compression as "lz4" }),
  });
  const p0 = performance.now();
  const c0 = cpuUs();
  for (let i = 0; i < o.messages; i += o.batch) {
    const messages = [];
    for (let j = i; j < Math.min(i + o.batch, o.messages); j++) {
      messages.push({ topic, key: keys[j % KEYS]!, value, headers });
    }
    await producer.send({ messages });
  }
  const produceMs = performance.now() - p0;
  const produceCpuUs = cpuUs() - c0;
  const rssAfterProduceMb = rssMb();
  await producer.close();

  const consumer = new Consumer({
    clientId: "bench-consumer",
    groupId: `${topic}.group`,
    bootstrapBrokers: o.brokers,
    minBytes: 1,
    maxBytes: 10 * 2 ** 20,
    maxWaitTime: 500,
  });
  const perPartition = new Array<number>(o.partitions).fill(0);
  const s0 = performance.now();
  const sc0 = cpuUs();
  let first = 0;
  let count = 0;
  const stream = await consumer.consume({
    topics: [topic],
    mode: "committed",
    fallbackMode: "earliest",
    autocommit: false,
    maxBytesPerPartition: 2 ** 20,
  });
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("data", (m) => {
      if (count === 0) first = performance.now();
      perPartition[m.partition]!++;
      if (++count === o.messages) resolve();
    });
  });
  const last = performance.now();
  const consumeCpuUs = cpuUs() - sc0;
  await stream.close();
  await consumer.close(true);
  await admin.deleteTopics({ topics: [topic] });
  await admin.close();
  return {
    client: "platformatic",
    version,
    produceMs,
    produceCpuUs,
    joinMs: first - s0,
    consumeMs: last - first,
    consumeCpuUs,
    rssAfterProduceMb,
    maxRssMb: maxRssMb(),
    perPartition,
  };
}

async function benchKafkajs(o: BenchOptions): Promise<RunResult> {
  const { default: kafkajs } = await import("kafkajs");
  const { Kafka, Partitioners, logLevel } = kafkajs;
  const { createRequire } = await import("node:module");
  const version = (createRequire(import.meta.url)("kafkajs/package.json") as { version: string }).version;
  const topic = `bench.kafkajs.${Date.now()}`;
  const kafka = new Kafka({ clientId: "bench", brokers: o.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: o.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const value = payload(o.size);
  const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(key(i)));
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const p0 = performance.now();
  const c0 = cpuUs();
  for (let i = 0; i < o.messages; i += o.batch) {
    const messages = [];
    for (let j = i; j < Math.min(i + o.batch, o.messages); j++) {
      messages.push({ key: keys[j % KEYS]!, value, headers: HEADERS });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  const produceMs = performance.now() - p0;
  const produceCpuUs = cpuUs() - c0;
  const rssAfterProduceMb = rssMb();
  await producer.disconnect();

  const consumer = kafka.consumer({
    groupId: `${topic}.group`,
    minBytes: 1,
    maxBytes: 10 * 2 ** 20,
    maxBytesPerPartition: 2 ** 20,
    maxWaitTimeInMs: 500,
  });
  const perPartition = new Array<number>(o.partitions).fill(0);
  const s0 = performance.now();
  const sc0 = cpuUs();
  let first = 0;
  let count = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (count === 0) first = performance.now();
        perPartition[batch.partition]! += batch.messages.length;
        count += batch.messages.length;
        if (count >= o.messages) resolve();
      },
    });
  });
  const last = performance.now();
  const consumeCpuUs = cpuUs() - sc0;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  return {
    client: "kafkajs",
    version,
    produceMs,
    produceCpuUs,
    joinMs: first - s0,
    consumeMs: last - first,
    consumeCpuUs,
    rssAfterProduceMb,
    maxRssMb: maxRssMb(),
    perPartition,
  };
}

function runChild(client: ClientName): Promise<RunResult> {
  const self = fileURLToPath(import.meta.url);
  const forwarded = process.argv.slice(2).filter((a, i, all) => a !== "--child" && all[i - 1] !== "--child");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, "--child", client, ...forwarded], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${client} run exited with ${code}: ${out}`));
      resolve(JSON.parse(line) as RunResult);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function summarize(results: RunResult[], clients: ClientName[]): string {
  const n = options.messages;
  const rows = clients.map((client) => {
    const rs = results.filter((r) => r.client === client);
    const m = (f: (r: RunResult) => number) => median(rs.map(f));
    return [
      `${client} ${rs[0]?.version ?? "?"}`,
      Math.round(m((r) => n / (r.produceMs / 1000))).toLocaleString("en-US"),
      Math.round(m((r) => n / (r.consumeMs / 1000))).toLocaleString("en-US"),
      m((r) => r.produceCpuUs / n).toFixed(1),
      m((r) => r.consumeCpuUs / n).toFixed(1),
      Math.round(m((r) => r.joinMs)).toString(),
      Math.round(m((r) => r.maxRssMb)).toString(),
    ];
  });
  const header = [
    "client",
    "produce msg/s",
    "consume msg/s",
    "produce CPU µs/msg",
    "consume CPU µs/msg",
    "group join ms",
    "peak RSS MiB",
  ];
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

async function main() {
  if (args.child) {
    const result = args.child === "kafkajs" ? await benchKafkajs(options) : await benchPlatformatic(options);
    console.log(JSON.stringify(result));
    process.exit(0); // kafkajs leaves timers behind; the parent only needs our line.
  }
  const clients = args.clients.split(",") as ClientName[];
  const results: RunResult[] = [];
  for (let run = 0; run < Number(args.runs); run++) {
    // Alternate the order so neither client always meets a freshly idle broker.
    const order = run % 2 === 0 ? clients : [...clients].reverse();
    for (const client of order) {
      const r = await runChild(client);
      console.error(
        `run ${run + 1} ${client}: produce ${Math.round(r.produceMs)} ms, consume ${Math.round(r.consumeMs)} ms (join ${Math.round(r.joinMs)} ms), peak RSS ${Math.round(r.maxRssMb)} MiB`,
      );
      results.push(r);
    }
  }
  const placements = new Set(results.map((r) => r.perPartition.join(",")));
  console.log(summarize(results, clients));
  console.log(
    `\nsame key -> same partition across clients: ${placements.size === 1 ? "yes" : `NO (${[...placements].join(" | ")})`}`,
  );
  console.log(`\n${JSON.stringify({ options, results })}`);
}

await main();
