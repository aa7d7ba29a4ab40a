// Connection secrets never reach a log line or an error: a secret that is not a URL of the expected
// scheme is refused by name, and connection errors name the secret (a real refused connection to a
// port nothing listens on, through the real ioredis and pg clients).
import { Writable } from "node:stream";
import { getNodeDescriptor, type NodeConfig } from "@sluice/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../log";
import { createNodeRuntime, type NodeRuntime } from "./executors";

const lines: string[] = [];
const log = createLogger({
  level: "debug",
  destination: new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }),
});
const runtimes: NodeRuntime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) if ("close" in r && r.close) await r.close();
  lines.length = 0;
});

const config = <K extends "redis-sink" | "postgres-sink">(type: K) => {
  const d = getNodeDescriptor(type, 1)!;
  return d.configSchema.parse({ ...(d.example as object), connectionSecretId: "sec_1" }) as NodeConfig<K>;
};
const ctx = (value: string) => ({
  workspaceId: "ws",
  pipelineId: "p",
  nodeId: "sink",
  log,
  secret: async () => value,
  secretName: async () => "orders-cache",
  kafka: () => Promise.reject(new Error("no Kafka connections")),
});
const event = {
  id: "e1",
  type: "page_view",
  userId: "u1",
  timestamp: "2026-01-01T00:00:00.000Z",
  properties: {},
  context: {},
};

describe("connection secrets in logs and errors", () => {
  it.each([
    ["redis-sink", "hunter2-hunter2"],
    ["redis-sink", "postgres://u:hunter2-hunter2@db/x"],
    ["postgres-sink", "hunter2-hunter2"],
    ["postgres-sink", "redis://:hunter2-hunter2@cache:6379"],
  ] as const)("%s refuses a secret that is not its kind of URL by name (%s)", async (type, value) => {
    const error = await createNodeRuntime(type, config(type), ctx(value)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^secret "orders-cache" is not a (redis|postgres):\/\//);
    expect(error?.message).not.toContain("hunter2");
    expect(lines.join("")).not.toContain("hunter2");
  });

  it.each(["redis-sink", "postgres-sink"] as const)(
    "%s logs a refused connection with the secret's name, not the connection string",
    async (type) => {
      const url =
        type === "redis-sink"
          ? "redis://:hunter2-hunter2@127.0.0.1:1/0"
          : "postgresql://sluice:hunter2-hunter2@127.0.0.1:1/sluice";
      const runtime = await createNodeRuntime(type, config(type), ctx(url));
      runtimes.push(runtime);
      if (runtime.kind !== "sink") throw new Error("not a sink");
      const failure = await runtime
        .write(
          [event],
          { now: Date.parse(event.timestamp) },
          { topic: "t", partition: 0, firstOffset: "0", lastOffset: "0" },
        )
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failure, "the write fails: nothing listens on port 1").toBeInstanceOf(Error);
      expect(failure!.message).not.toContain("hunter2");
      if (type === "redis-sink") expect(lines.join("")).toContain('"secretName":"orders-cache"');
      expect(lines.join("")).not.toContain("hunter2");
    },
  );
});
