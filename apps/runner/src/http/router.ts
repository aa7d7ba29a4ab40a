// A small route table: METHOD + path pattern with :params. Ingest (POST /v1/ingest/:key) and any
// later endpoint is one more entry.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log";

type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

type RouteContext = {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  log: Logger;
  /** The request body, read up to the route's limit; over it, the request fails with 413. */
  body(): Promise<Buffer>;
};

export type Route = {
  method: HttpMethod;
  /** e.g. "/v1/ingest/:key". */
  path: string;
  handler(ctx: RouteContext): Promise<void> | void;
  /** Largest accepted body. Default: the server's maxBodyBytes. */
  maxBodyBytes?: number;
};

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: HttpMethod[] }
  | { kind: "not-found" };

type Compiled = { route: Route; segments: string[] };

export function createRouter(routes: Route[]): (method: string, pathname: string) => RouteMatch {
  const compiled: Compiled[] = routes.map((route) => ({ route, segments: route.path.split("/").filter(Boolean) }));
  return (method, pathname) => {
    const parts = pathname.split("/").filter(Boolean);
    const allow: HttpMethod[] = [];
    for (const { route, segments } of compiled) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: "found", route, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: "method-not-allowed", allow } : { kind: "not-found" };
  };
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const part = parts[i]!;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined; // malformed %-escape: no route can match it
      }
    } else if (p !== part) {
      return undefined;
    }
  }
  return params;
}
