import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createShutdown } from "./lifecycle";

const log = pino({ level: "silent" });

describe("createShutdown", () => {
  it("runs phases in order, whatever the registration order", async () => {
    const shutdown = createShutdown(log);
    const order: string[] = [];
    const step = (name: string) => async () => void order.push(name);
    shutdown.register("postgres", "pg", step("postgres"));
    shutdown.register("producers", "kafka", step("producers"));
    shutdown.register("http", "server", step("http"));
    shutdown.register("workers", "pool-a", step("workers"));
    shutdown.register("redis", "redis", step("redis"));
    shutdown.register("consumers", "feeder", step("consumers"));
    expect(await shutdown.run(1000)).toBe(true);
    expect(order).toEqual(["http", "workers", "consumers", "producers", "redis", "postgres"]);
  });

  it("keeps going after a failed step and reports the stop as unclean", async () => {
    const shutdown = createShutdown(log);
    let closedPostgres = false;
    shutdown.register("http", "server", () => Promise.reject(new Error("boom")));
    shutdown.register("postgres", "pg", async () => void (closedPostgres = true));
    expect(await shutdown.run(1000)).toBe(false);
    expect(closedPostgres).toBe(true);
  });

  it("gives up after the timeout", async () => {
    const shutdown = createShutdown(log);
    shutdown.register("workers", "stuck pool", () => new Promise(() => {}));
    const started = Date.now();
    expect(await shutdown.run(100)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
