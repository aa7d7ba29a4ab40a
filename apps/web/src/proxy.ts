import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/server/env";
import { createNonce, securityHeaders } from "@/server/security-headers";

/**
 * Security headers on every response, pages, API routes and static files alike. Next reads the
 * nonce back from the request's Content-Security-Policy header and puts it on the scripts it renders;
 * the root layout reads `x-nonce` for its own inline script (which is why every page renders
 * dynamically: a nonce must never be cached).
 */
export function proxy(request: NextRequest) {
  const e = env();
  const nonce = createNonce();
  const headers = securityHeaders({
    nonce,
    https: e.APP_URL.startsWith("https://"),
    dev: e.NODE_ENV === "development",
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", headers["content-security-policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
