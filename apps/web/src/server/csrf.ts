import "server-only";
import { env } from "./env";

/** Returns a 403 response when a non-GET request carries a foreign (or missing) Origin. */
export function checkSameOrigin(req: Request): Response | null {
  if (req.method === "GET" || req.method === "HEAD") return null;
  // Bearer-token API calls don't use cookies, so CSRF does not apply to them.
  if (req.headers.get("authorization")?.startsWith("Bearer ")) return null;
  const origin = req.headers.get("origin");
  const allowed = new URL(env().APP_URL).origin;
  const own = new URL(req.url).origin;
  if (origin && (origin === allowed || origin === own)) return null;
  return Response.json({ error: { code: "FORBIDDEN", message: "Cross-origin request refused." } }, { status: 403 });
}
