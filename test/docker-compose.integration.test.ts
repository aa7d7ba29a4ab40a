import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const file = join(root, "docker-compose.yml");
const secrets = {
  BETTER_AUTH_SECRET: "b".repeat(48),
  SLUICE_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
  POSTGRES_PASSWORD: "0123456789abcdef",
};
// The parent's own values (npm test sets some) must not stand in for the ones under test.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in secrets)));
const compose = (env: Record<string, string>, ...args: string[]) =>
  spawnSync("docker-compose", ["-f", file, ...args], { encoding: "utf8", env: { ...baseEnv, ...env } });

// Docker cannot run on the build machines, so the compose file is validated by Debian's
// docker-compose client (no daemon needed) and checked against the env names the apps read.
describe("docker-compose.yml", () => {
  const normalized = execFileSync("docker-compose", ["-f", file, "config"], {
    encoding: "utf8",
    env: { ...baseEnv, ...secrets },
  });
  const section = (name: string) => normalized.split(new RegExp(`^  ${name}:$`, "m"))[1]!.split(/^ {2}\w/m)[0]!;

  it("is a valid compose file", () => {
    expect(compose(secrets, "config", "-q").status).toBe(0);
    for (const service of ["redpanda", "console", "postgres", "redis", "migrate", "runner", "web"]) {
      expect(normalized).toMatch(new RegExp(`^  ${service}:$`, "m"));
    }
  });

  it("refuses to start without each secret, naming it", () => {
    for (const name of Object.keys(secrets)) {
      const without = Object.fromEntries(Object.entries(secrets).filter(([k]) => k !== name));
      const result = compose(without, "config", "-q");
      expect(result.status, `starts without ${name}`).not.toBe(0);
      expect(result.stderr).toContain(`set ${name}`);
    }
    expect(readFileSync(file, "utf8")).not.toMatch(/change-me|AAAAAAAAAAAAAAAA/);
  });

  it("publishes only the web app and the runner's ingest port; Console is opt-in and local", () => {
    const published = [...normalized.matchAll(/^ {4}- published: (\d+)$/gm)].map((m) => m[1]);
    expect(published.sort()).toEqual(["3000", "4100"]);
    expect(section("web")).toMatch(/- published: 3000\n\s+target: 3000/);
    expect(section("runner")).toMatch(/- published: 4100\n\s+target: 4100/);
    for (const internal of ["postgres", "redis", "redpanda", "migrate"])
      expect(section(internal), `${internal} publishes a port`).not.toContain("ports:");
    expect(section("redpanda")).not.toContain("external://");
    expect(section("console")).toMatch(/ports:\n\s+- 127\.0\.0\.1:8080:8080\/tcp/);
    expect(section("console")).toMatch(/profiles:\n\s+- console/);
  });

  it("keeps the runner's internal port on the compose network for the web app", () => {
    expect(section("runner")).toContain("RUNNER_INTERNAL_HOST: 0.0.0.0");
    expect(section("runner")).toContain("RUNNER_INTERNAL_PORT: '4101'");
    expect(section("runner")).toContain("http://127.0.0.1:4101/healthz");
    expect(section("web")).toContain("RUNNER_INTERNAL_URL: http://runner:4101");
  });

  it("gives web and runner every variable their env schemas read", () => {
    const webEnv = readFileSync(join(root, "apps/web/src/server/env.ts"), "utf8");
    const declared = [...webEnv.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)]
      .map((m) => m[1]!)
      .filter((n) => n !== "NODE_ENV");
    expect(declared.length).toBeGreaterThan(4);
    for (const v of declared) expect(section("web"), `web lacks ${v}`).toContain(`${v}:`);
    for (const v of ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "RUNNER_PORT"])
      expect(section("runner"), `runner lacks ${v}`).toContain(`${v}:`);
  });
});
