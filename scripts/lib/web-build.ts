import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { hashFiles, repoRoot } from "./paths";
import { bin, run } from "./procs";

const webDir = join(repoRoot, "apps", "web");

function listFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === ".next" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}

/** Inputs of the production build; when none changed, the previous `.next` is reused. */
function buildInputs(): string[] {
  const files = [
    ...listFiles(join(webDir, "src")),
    ...listFiles(join(repoRoot, "packages", "shared", "src")),
    ...listFiles(join(repoRoot, "packages", "db", "src")),
    ...listFiles(join(repoRoot, "packages", "kafka", "src")),
    join(webDir, "next.config.ts"),
    join(webDir, "postcss.config.mjs"),
    join(webDir, "package.json"),
    join(repoRoot, "package-lock.json"),
  ];
  return files.sort((a, b) => relative(repoRoot, a).localeCompare(relative(repoRoot, b)));
}

/** Builds the web app with `next build` unless an identical build exists. */
export async function ensureWebBuild(env: NodeJS.ProcessEnv): Promise<void> {
  const stamp = join(webDir, ".next", "sluice-build.stamp");
  const want = hashFiles(buildInputs());
  if (existsSync(join(webDir, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === want)
    return;
  console.log("[sluice] building the web app (next build; cached until sources change) ...");
  const code = await run(bin("next"), ["build"], { cwd: webDir, env });
  if (code !== 0) throw new Error("next build failed (see output above)");
  writeFileSync(stamp, want);
}
