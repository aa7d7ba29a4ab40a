// The one HTTP client for user-given URLs (webhook sinks, alert webhooks). It resolves the host name
// itself, inside the socket's connect: every address of the answer is checked against the private
// ranges and the socket connects to exactly the address that was checked. Checking first and letting
// `fetch` resolve again would allow DNS rebinding (a public answer for the check, 127.0.0.1 for the
// connection). Redirects are never followed: a 3xx is the answer.
import type { LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { privateAnswerReason, privateHostReason, type Resolve, systemResolve } from "./private-targets";

/** A target the SSRF guard refuses; not worth retrying. */
export class WebhookRefused extends Error {}

export type WebhookClientOptions = {
  /** Private, loopback and link-local targets allowed (operator's ALLOW_PRIVATE_WEBHOOKS and, for a sink, its node toggle). */
  allowPrivate: boolean;
  /** Default: the system resolver (dns.lookup), as fetch would use. */
  resolve?: Resolve;
};

type WebhookRequest = { body: string; headers: Record<string, string>; timeoutMs: number };

export type WebhookClient = {
  /** POSTs and answers the response status; throws WebhookRefused, or a network/timeout error. */
  post(url: URL, request: WebhookRequest): Promise<number>;
  close(): void;
};

export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const resolve = options.resolve ?? systemResolve;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (answer) => {
        const addresses = lookupOptions.family ? answer.filter((a) => a.family === lookupOptions.family) : answer;
        const first = addresses[0];
        if (!first)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
        const refused = options.allowPrivate ? undefined : privateAnswerReason(hostname, addresses);
        if (refused) return callback(new WebhookRefused(refused), "", 0);
        if (lookupOptions.all)
          return (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
  // Own keep-alive agents: a pooled socket is reused only by requests under the same rules.
  const agents = {
    "http:": new http.Agent({ keepAlive: true, lookup }),
    "https:": new https.Agent({ keepAlive: true, lookup }),
  };
  return {
    post(url, request) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        return Promise.reject(new WebhookRefused(`${url.protocol} URLs are not allowed`));
      // IP literals and names like localhost never reach the lookup.
      const refused = options.allowPrivate ? undefined : privateHostReason(url.hostname);
      if (refused) return Promise.reject(new WebhookRefused(refused));
      const transport = url.protocol === "https:" ? https : http;
      return new Promise<number>((resolvePost, reject) => {
        const req = transport.request(
          url,
          {
            method: "POST",
            headers: request.headers,
            agent: agents[url.protocol as "http:" | "https:"],
            signal: AbortSignal.timeout(request.timeoutMs),
          },
          (res) => {
            res.resume();
            res.on("error", () => undefined);
            resolvePost(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(request.body);
      });
    },
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}
