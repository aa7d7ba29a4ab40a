import { createHash, timingSafeEqual } from "node:crypto";
import { env } from "@/server/env";
import { checkHealth } from "@/server/health";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Per-service details (latencies, error messages) only for callers holding HEALTH_TOKEN. */
function maySeeDetails(req: Request): boolean {
  const token = env().HEALTH_TOKEN;
  const sent = req.headers.get("authorization");
  return token !== "" && sent !== null && timingSafeEqual(digest(sent), digest(`Bearer ${token}`));
}

/**
 * Liveness/readiness: 200 `{ status: "ok" }` when Postgres, Redis, Kafka and the runner all answer,
 * else 503 `{ status: "degraded" }`. Anyone may ask; which dependency failed and why is shown only
 * with `Authorization: Bearer <HEALTH_TOKEN>` (monitoring on the internal network).
 */
export async function GET(req: Request) {
  const health = await checkHealth();
  const body = maySeeDetails(req) ? health : { status: health.status };
  return Response.json(body, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
export const dynamic = "force-dynamic";
