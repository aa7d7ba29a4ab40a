// Shows which protocol version of each Kafka API the clients would use against a broker: both clients
// take the highest version they implement inside the broker's advertised [min, max] range. We run
// Apache Kafka 4.x locally and Redpanda in production, so this is how we check a client against both.
//
//   node --import tsx packages/kafka/bench/kafka-api-versions.ts [--brokers 127.0.0.1:9092]
//     [--platformatic-module /path/to/@platformatic/kafka/dist/index.js]
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    brokers: { type: "string", default: "127.0.0.1:9092" },
    "platformatic-module": { type: "string" },
  },
});

// The APIs the runner's producer, group consumer and admin helpers depend on.
const USED = [
  "ApiVersions",
  "Metadata",
  "Produce",
  "InitProducerId",
  "Fetch",
  "ListOffsets",
  "FindCoordinator",
  "JoinGroup",
  "SyncGroup",
  "Heartbeat",
  "LeaveGroup",
  "OffsetCommit",
  "OffsetFetch",
  "CreateTopics",
  "DeleteTopics",
  "DescribeConfigs",
  "DescribeGroups",
  "ListGroups",
];

const entry = args["platformatic-module"] ?? import.meta.resolve("@platformatic/kafka");
const lib = (await import(entry)) as Record<string, unknown> & typeof import("@platformatic/kafka");
const pkgUrl = new URL("../package.json", entry.startsWith("/") ? `file://${entry}` : entry);
const platformaticVersion = (JSON.parse(await readFile(pkgUrl, "utf8")) as { version: string }).version;

// KafkaJS keeps its implemented versions in internal modules, keyed by its own API names.
const require = createRequire(import.meta.url);
const kafkajsKeys = require("kafkajs/src/protocol/requests/apiKeys.js") as Record<string, number>;
const kafkajsVersions = new Map<number, number[]>();
for (const [name, apiKey] of Object.entries(kafkajsKeys)) {
  const dir = name.charAt(0).toLowerCase() + name.slice(1);
  try {
    const def = require(
      `kafkajs/src/protocol/requests/${dir === "groupCoordinator" ? "findCoordinator" : dir}/index.js`,
    ) as { versions: string[] };
    kafkajsVersions.set(apiKey, def.versions.map(Number));
  } catch {
    // Not implemented by KafkaJS (no request module).
  }
}

const admin = new lib.Admin({ clientId: "api-versions", bootstrapBrokers: args.brokers.split(",") });
const brokerApis = await admin.listApis();
await admin.close();

const pick = (min: number, max: number, has: (v: number) => boolean): string => {
  for (let v = max; v >= min; v--) if (has(v)) return String(v);
  return "NONE";
};

const rows = USED.map((name) => {
  const b = brokerApis.find((a) => a.name === name);
  if (!b) return [name, "not advertised", "-", "-"];
  const lc = name.charAt(0).toLowerCase() + name.slice(1);
  const platformatic = pick(b.minVersion, b.maxVersion, (v) => `${lc}V${v}` in lib);
  const kjs = kafkajsVersions.get(b.apiKey) ?? [];
  const kafkajs = pick(b.minVersion, b.maxVersion, (v) => kjs.includes(v));
  return [name, `${b.minVersion}-${b.maxVersion}`, platformatic, kafkajs];
});

const header = ["API", "broker min-max", `@platformatic/kafka ${platformaticVersion}`, "kafkajs 2.2.4"];
console.log([header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n"));
