import { createSocket, type Socket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Resolve } from "./private-targets";
import { createWebhookClient, WebhookRefused } from "./webhook-client";

// Local HTTP servers on 127.0.0.1 stand in for an internal service; the resolver is injected, the
// way a rebinding DNS server would answer: first a public address, then loopback.
type Target = { server: Server; port: number; connections: number; bodies: string[] };
const targets: Target[] = [];

async function target(handler?: (url: string) => { status: number; location?: string }): Promise<Target> {
  const t: Target = { server: createServer(), port: 0, connections: 0, bodies: [] };
  t.server.on("connection", () => t.connections++);
  t.server.on("request", (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      t.bodies.push(body);
      const answer = handler?.(req.url ?? "/") ?? { status: 204 };
      res.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end();
    });
  });
  await new Promise<void>((r) => t.server.listen(0, "127.0.0.1", r));
  t.port = (t.server.address() as AddressInfo).port;
  targets.push(t);
  return t;
}

const dnsServers: Socket[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await new Promise((r) => t.server.close(r));
  for (const d of dnsServers.splice(0)) d.close();
});

/**
 * A DNS server on 127.0.0.1 (UDP, real wire format) that answers every A query with the next address
 * of `answers` in turn and TTL 0, as a rebinding attacker's name server does.
 */
async function rebindingDnsServer(answers: string[]): Promise<{ port: number; queries: () => number }> {
  const socket = createSocket("udp4");
  dnsServers.push(socket);
  let queries = 0;
  socket.on("message", (query, from) => {
    let end = 12; // the question's name: length-prefixed labels up to a zero byte, then type and class
    while (query[end]! !== 0) end += query[end]! + 1;
    end += 5;
    const octets = answers[queries++ % answers.length]!.split(".").map(Number);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // same id
    header.writeUInt16BE(0x8180, 2); // response, recursion available, no error
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(1, 6); // one answer
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, ...octets]); // name → question, A, IN, TTL 0, 4 bytes
    socket.send(Buffer.concat([header, query.subarray(12, end), answer]), from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return { port: socket.address().port, queries: () => queries };
}

const request = { body: '{"ok":true}', headers: { "content-type": "application/json" }, timeoutMs: 1500 };
// TEST-NET-2: public by the private-range rules, and nothing answers there.
const PUBLIC = { address: "198.51.100.7", family: 4 };
const LOOPBACK = { address: "127.0.0.1", family: 4 };

describe("webhook client", () => {
  it("connects to the address it validated: a rebinding resolver never gets a connection to 127.0.0.1", async () => {
    const internal = await target();
    const answers: string[] = [];
    let calls = 0;
    // Public on odd calls, loopback on even ones (what an attacker's DNS server with TTL 0 does).
    const resolve: Resolve = async () => {
      const answer = calls++ % 2 === 0 ? PUBLIC : LOOPBACK;
      answers.push(answer.address);
      return [answer];
    };
    const client = createWebhookClient({ allowPrivate: false, resolve });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      await client.post(new URL(`http://rebind.example.test:${internal.port}/hook`), request).then(
        (status) => outcomes.push(`status ${status}`),
        (err: unknown) => outcomes.push(err instanceof WebhookRefused ? "refused" : "network error"),
      );
    }
    client.close();
    // One resolution per delivery, and the socket used it: public → tried the public address (no
    // answer there), loopback → refused before connecting.
    expect(answers).toEqual(["198.51.100.7", "127.0.0.1", "198.51.100.7", "127.0.0.1"]);
    expect(outcomes).toEqual(["network error", "refused", "network error", "refused"]);
    expect(internal.connections).toBe(0);
  });

  it("does the same against a real DNS server on 127.0.0.1 that rebinds between queries", async () => {
    const internal = await target();
    const dns = await rebindingDnsServer(["198.51.100.7", "127.0.0.1"]);
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${dns.port}`]);
    const resolve: Resolve = async (hostname) =>
      (await resolver.resolve4(hostname)).map((address) => ({ address, family: 4 }));
    const client = createWebhookClient({ allowPrivate: false, resolve });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      await client.post(new URL(`http://rebind.attacker.test:${internal.port}/hook`), request).then(
        (status) => outcomes.push(`status ${status}`),
        (err: unknown) => outcomes.push(err instanceof WebhookRefused ? "refused" : "network error"),
      );
    }
    client.close();
    expect(dns.queries()).toBe(4);
    expect(outcomes).toEqual(["network error", "refused", "network error", "refused"]);
    expect(internal.connections).toBe(0);
  });

  it("refuses a host whose answer mixes public and private addresses", async () => {
    const internal = await target();
    const client = createWebhookClient({ allowPrivate: false, resolve: async () => [PUBLIC, LOOPBACK] });
    await expect(client.post(new URL(`http://mixed.example.test:${internal.port}/`), request)).rejects.toThrow(
      new WebhookRefused("mixed.example.test resolves to a private address"),
    );
    client.close();
    expect(internal.connections).toBe(0);
  });

  it.each([
    "http://127.0.0.1:9/",
    "http://localhost:9/",
    "http://[::1]:9/",
    "http://[::ffff:169.254.169.254]/",
    "http://10.0.0.5/",
    "http://metadata.internal/",
  ])("refuses %s without resolving it", async (url) => {
    let resolved = 0;
    const client = createWebhookClient({
      allowPrivate: false,
      resolve: async () => {
        resolved++;
        return [PUBLIC];
      },
    });
    await expect(client.post(new URL(url), request)).rejects.toBeInstanceOf(WebhookRefused);
    client.close();
    expect(resolved).toBe(0);
  });

  it("refuses other schemes", async () => {
    const client = createWebhookClient({ allowPrivate: true });
    await expect(client.post(new URL("file:///etc/passwd"), request)).rejects.toBeInstanceOf(WebhookRefused);
    client.close();
  });

  it("delivers to private targets when the operator allows them, and never follows a redirect", async () => {
    const elsewhere = await target();
    const hook = await target(() => ({ status: 302, location: `http://127.0.0.1:${elsewhere.port}/` }));
    const client = createWebhookClient({ allowPrivate: true, resolve: async () => [LOOPBACK] });
    expect(await client.post(new URL(`http://hooks.example.test:${hook.port}/in`), request)).toBe(302);
    client.close();
    expect(hook.bodies).toEqual(['{"ok":true}']);
    expect(elsewhere.connections).toBe(0);
  });
});
