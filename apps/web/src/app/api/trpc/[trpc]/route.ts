import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/routers/_app";
import { createContext } from "@/server/trpc/init";
import { checkSameOrigin } from "@/server/csrf";
import { readBodyLimited } from "@/server/body-limit";

async function handler(req: Request) {
  // Cookies are SameSite=Lax and tRPC mutations are JSON POSTs, but we still refuse state-changing
  // requests whose Origin is not our own (defence in depth against CSRF).
  const denied = checkSameOrigin(req);
  if (denied) return denied;
  let limited = req;
  if (req.method === "POST") {
    const body = await readBodyLimited(req);
    if (body instanceof Response) return body;
    limited = new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: limited,
    router: appRouter,
    createContext: () => createContext({ headers: limited.headers }),
  });
}

export { handler as GET, handler as POST };
export const dynamic = "force-dynamic";
