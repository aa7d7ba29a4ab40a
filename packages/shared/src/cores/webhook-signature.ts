import { hmacSha256Hex } from "../hash/hmac-sha256";

/**
 * `X-Sluice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Signing the
 * timestamp with the body lets receivers reject replays older than a few minutes.
 */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${hmacSha256Hex(secret, `${timestampSeconds}.${body}`)}`;
}

/** Receiver-side check (also used in tests and docs): signature matches and is recent enough. */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !parts.v1) return false;
  const expected = hmacSha256Hex(secret, `${timestamp}.${body}`);
  // Constant-time comparison: the receiver must not leak how many leading characters matched.
  let difference = expected.length ^ parts.v1.length;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ (parts.v1.charCodeAt(i) || 0);
  return difference === 0;
}
