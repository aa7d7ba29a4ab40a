// Builds the SDK's published shape into dist/: ESM and CJS for bundlers and Node, a minified IIFE
// (`window.Sluice`) for a script tag, and type declarations. Fails when the browser bundle grows
// past its size budget, so the one-line install stays cheap for the sites that embed it.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
/** The browser bundle's budget, minified and gzipped. */
export const SIZE_BUDGET_BYTES = 6 * 1024;

/** Builds the browser bundle in memory and returns it with its gzipped size. */
export async function browserBundle(): Promise<{ code: Uint8Array; gzipBytes: number }> {
  const result = await build({
    entryPoints: [join(here, "src", "index.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    globalName: "Sluice",
    target: "es2020",
    write: false,
  });
  const code = result.outputFiles[0]!.contents;
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length };
}

export async function buildSdk({ declarations = true } = {}): Promise<{ gzipBytes: number }> {
  mkdirSync(dist, { recursive: true });
  const common: BuildOptions = {
    entryPoints: [join(here, "src", "index.ts")],
    bundle: true,
    target: "es2020",
    logLevel: "warning",
  };
  await build({ ...common, format: "esm", outfile: join(dist, "index.mjs") });
  await build({ ...common, format: "cjs", outfile: join(dist, "index.cjs") });
  const { code, gzipBytes } = await browserBundle();
  writeFileSync(join(dist, "sluice.min.js"), code);
  if (gzipBytes > SIZE_BUDGET_BYTES)
    throw new Error(`browser bundle is ${gzipBytes} bytes min+gzip, over the ${SIZE_BUDGET_BYTES}-byte budget`);
  if (declarations) {
    const tsc = join(here, "..", "..", "node_modules", ".bin", "tsc");
    const r = spawnSync(
      tsc,
      [
        "-p",
        join(here, "tsconfig.build.json"),
        "--noEmit",
        "false",
        "--declaration",
        "--emitDeclarationOnly",
        "--outDir",
        dist,
        "--rootDir",
        join(here, "src"),
      ],
      { stdio: "inherit" },
    );
    if (r.status !== 0) throw new Error("tsc could not emit the SDK's type declarations");
  }
  return { gzipBytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { gzipBytes } = await buildSdk();
  console.log(`[sdk] built dist/ (browser bundle ${gzipBytes} bytes min+gzip, budget ${SIZE_BUDGET_BYTES})`);
}
