// The SASL_SSL broker that `npm test` starts for the tests of secured connections
// (scripts/lib/secure-kafka.ts): its address, CA and users, from the environment it exports.
import { readFileSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";

export type SecureBroker = {
  brokers: string;
  /** PEM of the CA that signed the broker's certificate. */
  ca: string;
  /** PEM of an unrelated CA (the "wrong CA" cases). */
  otherCa: string;
  users: Record<"SCRAM-SHA-256" | "SCRAM-SHA-512" | "PLAIN", { username: string; password: string }>;
  /** An SSL listener that requires a client certificate signed by `ca` (mutual TLS). */
  mtlsBrokers: string;
  /** A client certificate and key (PEM) the broker accepts, and one signed by the unrelated CA. */
  client: { cert: string; key: string };
  otherClient: { cert: string; key: string };
  /** A SASL_PLAINTEXT listener for OAUTHBEARER, validating with Kafka's unsecured (unsigned JWT) validator. */
  oauthBrokers: string;
};

/** An unsigned JWT (alg none) the OAUTHBEARER listener accepts until `exp` (seconds from now; negative: expired). */
export function unsecuredToken(subject: string, expiresInSeconds = 3600): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none" })}.${part({ sub: subject, iat: now - 60, exp: now + expiresInSeconds })}.`;
}

export function secureBroker(): SecureBroker {
  const e = process.env;
  const need = (name: string) => {
    const value = e[name];
    if (!value)
      throw new Error(
        `${name} is not set: run this test through \`npm test\` (scripts/test.ts starts the SASL_SSL broker)`,
      );
    return value;
  };
  return {
    brokers: need("KAFKA_SECURE_BROKERS"),
    ca: readFileSync(need("KAFKA_SECURE_CA_FILE"), "utf8"),
    otherCa: readFileSync(need("KAFKA_SECURE_OTHER_CA_FILE"), "utf8"),
    mtlsBrokers: need("KAFKA_SECURE_MTLS_BROKERS"),
    oauthBrokers: need("KAFKA_SECURE_OAUTH_BROKERS"),
    client: {
      cert: readFileSync(need("KAFKA_SECURE_CLIENT_CERT_FILE"), "utf8"),
      key: readFileSync(need("KAFKA_SECURE_CLIENT_KEY_FILE"), "utf8"),
    },
    otherClient: {
      cert: readFileSync(need("KAFKA_SECURE_OTHER_CLIENT_CERT_FILE"), "utf8"),
      key: readFileSync(need("KAFKA_SECURE_OTHER_CLIENT_KEY_FILE"), "utf8"),
    },
    users: {
      "SCRAM-SHA-256": {
        username: need("KAFKA_SECURE_SCRAM256_USER"),
        password: need("KAFKA_SECURE_SCRAM256_PASSWORD"),
      },
      "SCRAM-SHA-512": {
        username: need("KAFKA_SECURE_SCRAM512_USER"),
        password: need("KAFKA_SECURE_SCRAM512_PASSWORD"),
      },
      PLAIN: { username: need("KAFKA_SECURE_PLAIN_USER"), password: need("KAFKA_SECURE_PLAIN_PASSWORD") },
    },
  };
}

/**
 * A plain TCP forwarder in front of a broker that counts the connections made through it: how
 * tests see how often a client dials a broker that refuses it. Bytes pass through untouched.
 */
export async function countingForwarder(
  target: string,
): Promise<{ address: string; connections(): number; close(): Promise<void> }> {
  const [host, port] = target.split(":");
  let count = 0;
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((client) => {
    count++;
    const upstream = connect(Number(port), host!);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: local } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${local}`,
    connections: () => count,
    // Stops accepting, and ends (not resets) the open pairs: a reset would reach the client as an error
    // on a socket it already gave up. Whatever has not closed a second later is dropped.
    async close() {
      server.close();
      for (const s of sockets) {
        s.end();
        setTimeout(() => s.destroy(), 1000).unref();
      }
    },
  };
}
