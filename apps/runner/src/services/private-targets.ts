// The SSRF guard for user-given hosts (webhook sinks, alert webhooks, s3-sink endpoints): private,
// loopback and link-local targets are refused unless the operator (ALLOW_PRIVATE_WEBHOOKS) and, for a
// node, its own toggle allow them. Two checks: the host as written (IP literals, names like
// localhost), then every address its name resolves to.
import { lookup as systemLookup, type LookupAddress } from "node:dns";
import { isPrivateAddress, isPrivateHost } from "@sluice/shared";

/** All addresses of a host name (tests inject their own resolver). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    systemLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** Why the host as written is refused, or undefined. */
export function privateHostReason(hostname: string): string | undefined {
  return isPrivateHost(hostname) ? `${hostname} is a private or loopback address` : undefined;
}

/** Why a DNS answer for `hostname` is refused: any private address in it (picking a public one would still leave the name pointing inside). */
export function privateAnswerReason(hostname: string, addresses: readonly LookupAddress[]): string | undefined {
  return addresses.some((a) => isPrivateAddress(a.address)) ? `${hostname} resolves to a private address` : undefined;
}

/**
 * Both checks, resolving the name now: for clients that resolve again themselves (the S3 SDK). A
 * client that can connect through its own lookup checks the answer it connects to instead (see
 * webhook-client.ts), which also defeats DNS rebinding.
 */
export async function privateTargetReason(
  hostname: string,
  resolve: Resolve = systemResolve,
): Promise<string | undefined> {
  return privateHostReason(hostname) ?? privateAnswerReason(hostname, await resolve(hostname));
}
