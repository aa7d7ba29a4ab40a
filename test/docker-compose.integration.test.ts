import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

// Docker cannot run on the build machines, so the compose file is validated by Debian's
// docker-compose client (no daemon needed) and checked against the env names the apps read.
describe("docker-compose.yml", () => {
  const normalized = execFileSync("docker-compose", ["-f", join(root, "docker-compose.yml"), "config"], { encoding: "utf8" });

  it("is a valid compose file", () => {
    expect(() => execFileSync("docker-compose", ["-f", join(root, "docker-compose.yml"), "config", "-q"])).not.toThrow();
    for (const service of ["redpanda", "console", "postgres", "redis", "migrate", "runner", "web"]) {
      expect(normalized).toMatch(new RegExp(`^  ${service}:$`, "m"));
    }
  });

  it("gives web and runner every variable their env schemas read", () => {
    const webEnv = readFileSync(join(root, "apps/web/src/server/env.ts"), "utf8");
    const declared = [...webEnv.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!).filter((n) => n !== "NODE_ENV");
    expect(declared.length).toBeGreaterThan(4);
    const section = (name: string) => normalized.split(new RegExp(`^  ${name}:$`, "m"))[1]!.split(/^ {2}\w/m)[0]!;
    for (const v of declared) expect(section("web"), `web lacks ${v}`).toContain(`${v}:`);
    for (const v of ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "RUNNER_PORT"]) expect(section("runner"), `runner lacks ${v}`).toContain(`${v}:`);
  });
});
