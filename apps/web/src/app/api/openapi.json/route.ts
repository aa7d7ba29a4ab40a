import { env } from "@/server/env";
import { openApiDocument } from "@/server/public-api/openapi";

export function GET() {
  return Response.json(openApiDocument(env().APP_URL));
}
export const dynamic = "force-dynamic";
