/**
 * Response headers every page and route carries (set by `src/proxy.ts`). Scripts run only with the
 * per-request nonce ('strict-dynamic' lets Next's own chunks load what they load); inline *styles*
 * stay allowed because React Flow and recharts position elements with `style` attributes, and a
 * style cannot run script.
 */
export type SecurityHeaderOptions = {
  /** Fresh per request, base64. */
  nonce: string;
  /** APP_URL is https: HSTS and upgrade-insecure-requests. */
  https: boolean;
  /** `next dev`: React's dev tools need eval and hot reload needs a websocket. Default false. */
  dev?: boolean;
};

function contentSecurityPolicy({ nonce, https, dev = false }: SecurityHeaderOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(options),
    // For browsers without CSP frame-ancestors.
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
    ...(options.https ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  };
}

/** 128 random bits, base64: the script nonce of one response. */
export function createNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
