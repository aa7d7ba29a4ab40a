// Splits a runner CPU profile (node --cpu-prof) into the pipeline's hops. Every sample is charged to
// the first rule (in the order below) that matches a frame anywhere on its stack, so a JSON.parse
// under the map core counts as "map", and Kafka client code under a stage batch counts as Kafka.
// Asynchronous continuations lose their caller's frames: client code then falls to its library's rule.
// The runner runs built (apps/runner/build.ts): a frame in dist/*.mjs is first mapped back to its source
// file through the bundle's source map, so the rules below see src/ and packages/ paths.
//   node --import tsx apps/runner/bench/cpu-hops.ts <file.cpuprofile> [--events N]
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

type Frame = { functionName: string; url: string; lineNumber?: number; columnNumber?: number };
type ProfileNode = { id: number; callFrame: Frame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** Hop name and a test on one frame. Order matters: the first hop with a matching frame wins. */
const RULES: [hop: string, test: (f: Frame) => boolean][] = [
  ["gc", (f) => f.functionName === "(garbage collector)"],
  ["idle", (f) => f.functionName === "(idle)"],
  [
    "startup (module loading)",
    (f) =>
      /node:internal\/modules|\/tsx\/dist|esbuild|cjs-module-lexer/.test(f.url) ||
      f.functionName === "compileSourceTextModule",
  ],
  [
    "ingest: parse body, envelope, serialise",
    (f) => /sources\/(ingest-route|parse-body)\.ts|http-ingest-core\.ts/.test(f.url),
  ],
  ["stage: validate", (f) => /validate-core\.ts|json-schema\//.test(f.url)],
  ["stage: filter", (f) => /filter-core\.ts/.test(f.url)],
  ["stage: map", (f) => /map-core\.ts/.test(f.url)],
  ["stage: key-by", (f) => /key-by-core\.ts/.test(f.url)],
  [
    "stage: window",
    (f) => /window-core\.ts|window-partials?\.ts|aggregations\.ts|event-time-(clock|slot)\.ts|combine\.ts/.test(f.url),
  ],
  ["stage: postgres sink", (f) => /postgres-rows\.ts|\/pg\/lib|\/pg-protocol\//.test(f.url)],
  ["kafka produce", (f) => /@platformatic\/kafka\/dist\/clients\/producer|kafka\/src\/producer\.ts/.test(f.url)],
  ["kafka consume", (f) => /@platformatic\/kafka\/dist\/clients\/consumer|kafka\/src\/consumer\.ts/.test(f.url)],
  [
    "stage: decode/encode, routing, state (stage-step)",
    (f) => /stage\/(stage-step|batch-input|checkpoint|fences|source-watermarks|observed-node)\.ts/.test(f.url),
  ],
  ["feeder (batching, commits)", (f) => /stage\/feeder(-partition)?\.ts/.test(f.url)],
  ["bullmq + redis client", (f) => /\/bullmq\/|\/ioredis\/|queue\/(stage-queue|batch-payload)\.ts/.test(f.url)],
  ["kafka protocol/network (unattributed)", (f) => /@platformatic\/kafka|dynamic-buffer/.test(f.url)],
  // Includes serving the benchmark's own /metrics scrapes (about one a second).
  ["metrics + monitoring", (f) => /prom-client|runner\/src\/observe\//.test(f.url)],
  ["http server", (f) => /_http_|node:http|runner\/src\/http\//.test(f.url)],
  ["prisma / control plane", (f) => /@prisma|prisma/.test(f.url)],
];

/** Points every frame of a bundled file with a source map (`<file>.map`) at its original source file. */
function toSourceFiles(profile: Profile): void {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>();
  const mapOf = (url: string) => {
    if (!maps.has(url)) {
      const file = url.startsWith("file://") ? fileURLToPath(url) : url;
      const mapFile = `${file}.map`;
      maps.set(
        url,
        file.endsWith(".mjs") && existsSync(mapFile)
          ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")) as never), dir: dirname(mapFile) }
          : null,
      );
    }
    return maps.get(url);
  };
  for (const { callFrame: f } of profile.nodes) {
    const found = f.url ? mapOf(f.url) : null;
    if (!found || f.lineNumber === undefined || f.lineNumber < 0) continue;
    const entry = found.map.findEntry(f.lineNumber, f.columnNumber ?? 0) as { originalSource?: string };
    if (entry.originalSource) f.url = resolve(found.dir, entry.originalSource.replace(/^file:\/\//, ""));
  }
}

export function cpuByHop(profile: Profile): { hop: string; ms: number }[] {
  toSourceFiles(profile);
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const hopOf = new Map<number, string>();
  const classify = (id: number): string => {
    const cached = hopOf.get(id);
    if (cached) return cached;
    const frames: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
    const hop = RULES.find(([, test]) => frames.some(test))?.[0] ?? "other";
    hopOf.set(id, hop);
    return hop;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) =>
    totals.set(classify(id), (totals.get(classify(id)) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000),
  );
  return [...totals].map(([hop, ms]) => ({ hop, ms: +ms.toFixed(1) })).sort((a, b) => b.ms - a.ms);
}

if (import.meta.filename === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { events: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const hops = cpuByHop(JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile);
  const events = values.events ? Number(values.events) : undefined;
  if (values.json) {
    // Shares of the busy time: idle and start-up are not the pipeline's.
    const busy = hops.filter((h) => h.hop !== "idle" && !h.hop.startsWith("startup")).reduce((sum, h) => sum + h.ms, 0);
    const rows = hops.map((h) => ({
      ...h,
      share: +(h.ms / busy).toFixed(3),
      ...(events ? { microsPerEvent: +((h.ms * 1000) / events).toFixed(1) } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ busyMs: +busy.toFixed(0), hops: rows })}\n`);
    process.exit(0);
  }
  for (const { hop, ms } of hops)
    process.stdout.write(
      `${ms.toFixed(0).padStart(8)} ms${events ? `${((ms * 1000) / events).toFixed(1).padStart(8)} µs/event` : ""}  ${hop}\n`,
    );
}
