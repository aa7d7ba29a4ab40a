#!/usr/bin/env node
// Entry point of `npm start`, `npm test` and `npm run bench`. It must run on whatever Node the
// machine has (Node 20 here), because on a fresh clone there is no node_modules yet. It installs
// the workspace when the lockfile changed, generates the Prisma client when the schema changed,
// then hands over to the real script on the project's pinned Node 22 (the `node` npm package).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamps = join(root, "node_modules", ".sluice");
const commands = {
  start: "start.ts",
  test: "test.ts",
  bench: "bench.ts",
  chaos: "chaos.ts",
  generate: null,
  dev: "start.ts",
};

const cmd = process.argv[2] ?? "";
if (!(cmd in commands)) {
  console.error(`usage: node scripts/bootstrap.mjs <${Object.keys(commands).join("|")}> [args]`);
  process.exit(2);
}

/** A file's bytes, or for a package.json only the fields that decide what `npm ci` installs (not scripts). */
function installInput(file) {
  if (!existsSync(file)) return "missing:" + file;
  const text = readFileSync(file, "utf8");
  if (!file.endsWith("package.json")) return text;
  const pkg = JSON.parse(text);
  const fields = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "overrides",
    "workspaces",
    "engines",
  ];
  return JSON.stringify(fields.map((f) => [f, pkg[f] ?? null]));
}

function hashFiles(files) {
  const h = createHash("sha256");
  for (const f of files) h.update(installInput(f));
  return h.digest("hex");
}

/** Runs `fn` only when the hash of `files` differs from the one recorded under `name`. */
function once(name, files, fn) {
  const stamp = join(stamps, name);
  const want = hashFiles(files);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  fn();
  mkdirSync(stamps, { recursive: true });
  writeFileSync(stamp, want);
}

function run(bin, args, opts = {}) {
  const r = spawnSync(bin, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`\n[sluice] '${bin} ${args.join(" ")}' failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

const log = (m) => console.log(`[sluice] ${m}`);
const pkgFiles = [join(root, "package-lock.json"), join(root, "package.json")];

once("install", pkgFiles, () => {
  log("installing dependencies (npm ci) ...");
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
});

const node22 = join(root, "node_modules", ".bin", "node");
if (!existsSync(node22)) {
  console.error("[sluice] node_modules/.bin/node is missing after install; delete node_modules and retry.");
  process.exit(1);
}

once("prisma-generate", [join(root, "prisma", "schema.prisma"), ...pkgFiles], () => {
  log("generating the Prisma client ...");
  run(node22, [join(root, "packages", "db", "scripts", "generate.mjs")]);
});

// The repository's git hooks (.githooks/pre-push runs the fast checks), unless the clone chose others.
if (existsSync(join(root, ".git"))) {
  const hooks = spawnSync("git", ["config", "--get", "core.hooksPath"], { cwd: root, encoding: "utf8" });
  if (hooks.status !== 0) spawnSync("git", ["config", "core.hooksPath", ".githooks"], { cwd: root });
}

if (cmd === "generate") process.exit(0);

// Hand over to the TypeScript script on Node 22; forward signals so Ctrl-C reaches it once.
const child = spawn(node22, ["--import", "tsx", join(root, "scripts", commands[cmd]), ...process.argv.slice(3)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SLUICE_MODE: cmd },
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
