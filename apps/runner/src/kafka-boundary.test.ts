// packages/kafka is the only place that may import a Kafka client library, so swapping the client
// stays a change to that package alone.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const roots = [
  "apps/runner/src",
  "apps/runner/test",
  "apps/web/src",
  "packages/shared/src",
  "packages/db/src",
  "scripts",
].map((p) => join(root, p));
const CLIENTS = /from\s+["'](@platformatic\/kafka|kafkajs|@confluentinc\/kafka-javascript|node-rdkafka)["']/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "node_modules" || entry.name === "generated" ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(path) ? [path] : [];
  });
}

describe("kafka module boundary", () => {
  it("keeps Kafka client imports inside packages/kafka", () => {
    const offenders = roots
      .flatMap((dir) => sourceFiles(dir))
      .filter((file) => CLIENTS.test(readFileSync(file, "utf8")))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
