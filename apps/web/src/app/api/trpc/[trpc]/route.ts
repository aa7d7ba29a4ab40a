import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/routers/_app";
import { createContext } from "@/server/trpc/init";
import { checkSameOrigin } from "@/server/csrf";

function handler(req: Request) {
  // Cookies are SameSite=Lax and tRPC mutations are JSON POSTs, but we still refuse state-changing
  // requests whose Origin is not our own (defence in depth against CSRF).
  const denied = checkSameOrigin(req);
  if (denied) return denied;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers }),
  });
}

export { handler as GET, handler as POST };
export const dynamic = "force-dynamic";
