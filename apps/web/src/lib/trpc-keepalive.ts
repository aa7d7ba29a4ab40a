import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/routers/_app";

/** Browsers refuse keepalive requests once their bodies in flight pass 64 KiB together; stay under it. */
const KEEPALIVE_MAX_BYTES = 60_000;

const encoder = new TextEncoder();

function fitsKeepalive(body: string): boolean {
  // Each character takes at most 3 bytes: skip encoding bodies that fit anyway.
  return body.length * 3 <= KEEPALIVE_MAX_BYTES || encoder.encode(body).length <= KEEPALIVE_MAX_BYTES;
}

/** Whether a mutation with this input goes out as a keepalive request (the body tRPC sends for it). */
export function canKeepalive(input: unknown): boolean {
  return fitsKeepalive(JSON.stringify(superjson.serialize(input)));
}

/**
 * A tRPC client whose mutations outlive the page: with `keepalive` the browser completes a request even
 * when the tab closes, reloads or navigates away right after it was sent (draft saves). Bodies over the
 * browser's cap go as ordinary requests. Same-origin fetches carry the Origin header the API checks.
 */
export const keepaliveClient = createTRPCClient<AppRouter>({
  links: [
    httpLink({
      url: "/api/trpc",
      transformer: superjson,
      fetch: (url, init) =>
        fetch(url, { ...(init as RequestInit), keepalive: typeof init?.body === "string" && fitsKeepalive(init.body) }),
    }),
  ],
});
