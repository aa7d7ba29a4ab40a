// Where the integration tests find the real services. The test orchestrator (npm test) starts them
// and sets these variables; the defaults match a developer machine.
import { pino } from "pino";

export const testServices = {
  kafkaBrokers: process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092",
  databaseUrl: process.env["DATABASE_URL"] ?? "postgresql://root@127.0.0.1:5432/sluice_test",
  redisUrl: process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379/1",
};

/** A logger that drops everything (set TEST_LOG_LEVEL=debug to see the runner's lines). */
export const testLogger = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" });

/** A name no other test run uses, e.g. for topics, groups and queues. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 20_000, everyMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw last instanceof Error ? last : new Error(`condition not met within ${timeoutMs} ms`);
}
