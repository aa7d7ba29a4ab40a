import "server-only";
import { getPrisma } from "@sluice/db";
import { env } from "./env";
import { redis } from "./redis";
import { kafkaPing } from "./kafka";

type Check = { ok: boolean; latencyMs: number; error?: string };
export type Health = { status: "ok" | "degraded"; checks: Record<"postgres" | "redis" | "kafka" | "runner", Check> };

async function timed(fn: () => Promise<unknown>, timeoutMs = 2500): Promise<Check> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (e) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - start),
      error: e instanceof Error ? e.message : String(e),
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(): Promise<Health> {
  const [postgres, redisCheck, kafka, runner] = await Promise.all([
    timed(() => getPrisma().$queryRaw`SELECT 1`),
    timed(async () => {
      if ((await redis().ping()) !== "PONG") throw new Error("unexpected PING reply");
    }),
    timed(() => kafkaPing()),
    timed(async () => {
      const res = await fetch(new URL("/healthz", env().RUNNER_INTERNAL_URL), { cache: "no-store" });
      if (!res.ok) throw new Error(`runner answered ${res.status}`);
    }),
  ]);
  const checks = { postgres, redis: redisCheck, kafka, runner };
  return { status: Object.values(checks).every((c) => c.ok) ? "ok" : "degraded", checks };
}
