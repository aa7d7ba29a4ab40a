// Builds the runner as operators run it: apps/runner/dist/, plain JavaScript for `node dist/main.mjs`
// (`npm start`, the e2e suite, the benchmarks, the chaos suite and the runner image all run this).
//
// Why a build, when `node --import tsx src/main.ts` works: tsx transpiles on a loader thread of its
// own, and that thread and the transpiled sources stay resident in every process: an idle process
// takes 24 MiB of PSS without it and 56 MiB with it. A runner is a supervisor and one engine process
// per core, so it paid that three times on this machine (BENCHMARKS.md, "Memory").
//
// Our workspace packages (@sluice/*) ship TypeScript sources and are bundled in; everything from npm
// stays an import of node_modules, as when run from the sources. The supervisor and the engine are
// separate chunks (main.ts imports them dynamically), so the supervisor loads none of the engine.
//
// Several test processes may build at once while others start runners from dist/: every file is
// written whole and renamed into place, chunks (named by content hash) before the entry that imports
// them, so a reader sees one complete build or the other.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
/** The runner's entry point once built. */
export const RUNNER_DIST_ENTRY = join(dist, "main.mjs");
/** Files of earlier builds are removed once this old (a runner started from them has loaded them). */
const STALE_MS = 10 * 60_000;

const npmPackagesExternal: Plugin = {
  name: "npm-packages-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@sluice/") ? undefined : { path: args.path, external: true },
    );
  },
};

let built: Promise<string> | undefined;
/**
 * Builds dist/ once per process (a suite that restarts runners, e.g. the chaos suite's kill -9, does not
 * rebuild for each start) and returns the entry point to run with node.
 */
export function buildRunner(): Promise<string> {
  built ??= writeBuild();
  return built;
}

async function writeBuild(): Promise<string> {
  const result = await build({
    entryPoints: { main: join(here, "src", "main.ts") },
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    sourcemap: "linked",
    plugins: [npmPackagesExternal],
    logLevel: "warning",
    write: false,
  });
  mkdirSync(dist, { recursive: true });
  const isEntry = (path: string) => path === RUNNER_DIST_ENTRY || path === `${RUNNER_DIST_ENTRY}.map`;
  const files = [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  const current = new Set(files.map((f) => basename(f.path)));
  for (const name of readdirSync(dist)) {
    const path = join(dist, name);
    if (!current.has(name) && Date.now() - statSync(path, { throwIfNoEntry: false })!.mtimeMs > STALE_MS)
      rmSync(path, { force: true });
  }
  return RUNNER_DIST_ENTRY;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRunner();
