import type { ServerResponse } from "node:http";

/** An error a handler throws to answer with this status and a JSON `{ error, message }` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 503 + Retry-After for a path or view this runner may not have started yet (clients retry, not give up). */
export const notStartedYet = (what: "path" | "view") =>
  new HttpError(
    503,
    "starting",
    `this runner is starting deployments and does not know this ${what} yet; retry shortly`,
    { "retry-after": "1" },
  );

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}
