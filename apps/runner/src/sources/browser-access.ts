// Which browser requests ingest serves. A browser names its page's origin in the Origin header; only
// publishable keys (ingest-only, meant to be embedded in pages) are accepted from browsers, and only
// from the origins listed on the key. Requests without Origin (servers, curl) are not browser
// requests: any valid key works there, since the Origin header protects users' browsers, not the key.
export type KeyAccess = { publishable: boolean; allowedOrigins: string[] };

export type BrowserDecision = { ok: true; headers: Record<string, string> } | { ok: false; message: string };

/** Preflight answers are cached by the browser this long (seconds). */
const PREFLIGHT_MAX_AGE = "600";

/** Whether a request from `origin` (the Origin header, if any) may use `key`, and the CORS headers to answer with. */
export function browserAccess(origin: string | undefined, key: KeyAccess): BrowserDecision {
  if (origin === undefined) return { ok: true, headers: {} };
  if (!key.publishable)
    return {
      ok: false,
      message: "server API keys are not accepted from browsers; use a publishable key with this origin allowed",
    };
  if (!key.allowedOrigins.includes(origin))
    return { ok: false, message: `origin ${origin} is not allowed for this key` };
  return { ok: true, headers: { "access-control-allow-origin": origin, vary: "Origin" } };
}

/**
 * The answer to a CORS preflight from `origin`, given the keys the path's endpoints accept. The
 * headers the page asks for are allowed as asked: no cookies are involved, and what a request may
 * do is decided by its key, not by its headers.
 */
export function preflight(origin: string | undefined, keys: KeyAccess[], requestedHeaders = ""): BrowserDecision {
  if (origin === undefined) return { ok: false, message: "a preflight request needs an Origin header" };
  const allowed = keys.some((key) => browserAccess(origin, key).ok);
  if (!allowed) return { ok: false, message: `origin ${origin} may not send events to this endpoint` };
  return {
    ok: true,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": requestedHeaders.trim() || "content-type, x-api-key",
      "access-control-max-age": PREFLIGHT_MAX_AGE,
      vary: "Origin",
    },
  };
}
