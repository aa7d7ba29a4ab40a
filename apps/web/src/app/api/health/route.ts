import { checkHealth } from "@/server/health";

/** Public liveness/readiness endpoint: 200 when Postgres, Redis, Kafka and the runner all answer. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
export const dynamic = "force-dynamic";
