import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { EnvError, loadEnv, runnerProcessCount } from "./env";

const expectEnvError = (source: NodeJS.ProcessEnv) => {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return error as EnvError;
  }
  throw new Error("expected an EnvError");
};

describe("loadEnv", () => {
  it("fills local defaults outside production", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      RUNNER_PORT: 4100,
      RUNNER_HOST: "0.0.0.0",
      RUNNER_INTERNAL_PORT: 4101,
      RUNNER_INTERNAL_HOST: "127.0.0.1",
      DATABASE_URL: "postgresql://root@127.0.0.1:5432/sluice",
      REDIS_URL: "redis://127.0.0.1:6379",
      KAFKA_BROKERS: ["127.0.0.1:9092"],
      LOG_LEVEL: "info",
    });
    expect(env.RUNNER_ID).toMatch(/-\d+$/);
    expect(env.SLUICE_SECRET_KEY).toBeUndefined();
  });

  it("refuses private alert webhooks unless ALLOW_PRIVATE_WEBHOOKS=true", () => {
    expect(loadEnv({}).ALLOW_PRIVATE_WEBHOOKS).toBe(false);
    expect(loadEnv({ ALLOW_PRIVATE_WEBHOOKS: "true" }).ALLOW_PRIVATE_WEBHOOKS).toBe(true);
    expect(expectEnvError({ ALLOW_PRIVATE_WEBHOOKS: "yes" }).message).toContain(
      'ALLOW_PRIVATE_WEBHOOKS: must be true or false (got "yes")',
    );
  });

  it("parses a broker list and treats empty variables as unset", () => {
    const env = loadEnv({ KAFKA_BROKERS: " a:9092, b.example:19092 ,", RUNNER_PORT: "", RUNNER_ID: "runner-1" });
    expect(env.KAFKA_BROKERS).toEqual(["a:9092", "b.example:19092"]);
    expect(env.RUNNER_PORT).toBe(4100);
    expect(env.RUNNER_ID).toBe("runner-1");
  });

  it("lists every bad variable, one per line, without echoing URLs or secrets", () => {
    const error = expectEnvError({
      RUNNER_PORT: "http",
      LOG_LEVEL: "loud",
      DATABASE_URL: "mysql://user:hunter2@db/x",
      SLUICE_SECRET_KEY: "too-short",
    });
    expect(error.problems.map((p) => p.variable)).toEqual([
      "RUNNER_PORT",
      "DATABASE_URL",
      "LOG_LEVEL",
      "SLUICE_SECRET_KEY",
    ]);
    expect(error.message).toContain('RUNNER_PORT: must be a TCP port number (0-65535) (got "http")');
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("too-short");
    expect(error.stack).toBe(error.message);
  });

  it("requires the service URLs in production", () => {
    const error = expectEnvError({ NODE_ENV: "production" });
    expect(error.problems).toEqual([
      { variable: "DATABASE_URL", problem: "is required" },
      { variable: "REDIS_URL", problem: "is required" },
      { variable: "KAFKA_BROKERS", problem: "is required" },
    ]);
  });

  it("accepts a 32-byte base64 secret key", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(loadEnv({ SLUICE_SECRET_KEY: key }).SLUICE_SECRET_KEY).toBe(key);
    expect(() => loadEnv({ RUNNER_PORT: "65536" })).toThrow(EnvError);
  });

  it("runs one engine process per core by default (auto), at most one per topic partition", () => {
    expect(runnerProcessCount(loadEnv({}))).toBe(Math.min(availableParallelism(), 6));
    expect(runnerProcessCount(loadEnv({ RUNNER_PROCESSES: "auto" }))).toBe(Math.min(availableParallelism(), 6));
    expect(runnerProcessCount(loadEnv({ RUNNER_PROCESSES: "auto", RUNNER_TOPIC_PARTITIONS: "1" }))).toBe(1);
    expect(runnerProcessCount(loadEnv({ RUNNER_PROCESSES: "3" }))).toBe(3);
    for (const bad of ["0", "65", "two", "-1"])
      expect(expectEnvError({ RUNNER_PROCESSES: bad }).message).toContain(
        `RUNNER_PROCESSES: must be auto or a number of processes (1-64) (got "${bad}")`,
      );
  });
});
