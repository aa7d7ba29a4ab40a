// Every Redis key and channel is spelled once, in packages/shared/src/contract/redis-keys.ts. This test
// fails when code anywhere else writes a `sluice:` string literal, i.e. a second copy of a key that
// would silently drift from the contract.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const CONTRACT = "packages/shared/src/contract/";
/** `sluice:` literals that are not Redis keys, with the reason. */
const ALLOWED: Record<string, string> = {
  "apps/web/src/components/canvas/use-editor-view.ts": "browser localStorage key of the editor's viewport",
  "packages/sdk/src/client.ts": "browser storage namespace of the SDK and its error prefix",
  "scripts/contract-keys.test.ts": "this test",
};
const SKIP_DIRS = new Set(["node_modules", ".next", "dist", "generated", ".cache", ".scratch"]);

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".next")) yield* sourceFiles(join(dir, entry.name));
    } else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

/** Lines of code (not comments) that open a string literal with `sluice:`. */
function keyLiterals(text: string): string[] {
  return text.split("\n").filter((line) => {
    const code = line.trim();
    if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return false;
    return /["'`]sluice:/.test(code.replace(/\s\/\/.*$/, ""));
  });
}

describe("the web/runner contract", () => {
  it("recognises a copied key and ignores comments", () => {
    expect(keyLiterals("const k = `sluice:state:${p}`;\n// `sluice:state:<p>` in a comment\n * `sluice:x`")).toEqual([
      "const k = `sluice:state:${p}`;",
    ]);
    expect(keyLiterals(`publish("sluice:deployments:changed", id);`)).toHaveLength(1);
  });

  it("is the only place that spells a sluice: Redis key or channel", () => {
    const copies: string[] = [];
    for (const top of ["apps", "packages", "scripts", "test"]) {
      for (const file of sourceFiles(join(root, top))) {
        const path = relative(root, file);
        if (path.startsWith(CONTRACT) || ALLOWED[path]) continue;
        for (const line of keyLiterals(readFileSync(file, "utf8"))) copies.push(`${path}: ${line.trim()}`);
      }
    }
    expect(copies, "use the builders in packages/shared/src/contract/redis-keys.ts").toEqual([]);
  });
});
