import { z } from "zod";

/**
 * A Kafka connection: a workspace-owned way to reach a cluster other than Sluice's own. An admin
 * registers it (brokers + credentials, the credentials sealed at rest); kafka-source and kafka-sink
 * nodes of that workspace pick it by id. Without a connection they use the workspace's namespace on
 * Sluice's cluster (see topic-namespace.ts).
 */

/** `host:port`; hosts are DNS names or IPv4 addresses (bracketed IPv6 is not accepted yet). */
export const KafkaBrokerAddress = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})?:\d{1,5}$/, "host:port, e.g. broker-1.example.com:9092")
  .refine((address) => {
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    return port >= 1 && port <= 65535;
  }, "Port must be 1-65535");

export const KafkaSaslMechanism = z.enum(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]);
export type KafkaSaslMechanism = z.infer<typeof KafkaSaslMechanism>;

/**
 * The certificate authority (or authorities) the brokers' certificates chain to, PEM. Public data,
 * stored in clear; without it TLS trusts the system's CAs.
 */
export const KafkaCaPem = z
  .string()
  .trim()
  .max(64 * 1024, "At most 64 KB of PEM")
  .regex(
    /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/,
    "One or more PEM certificates (-----BEGIN CERTIFICATE----- ...)",
  );

/**
 * How the runner talks to the brokers. The TLS protocols trust `ca` when given, else the system's CAs;
 * `clientCertificate`: the client presents a certificate (mutual TLS), whose PEM and key are sealed
 * with the other credentials.
 */
export const KafkaSecurity = z.discriminatedUnion("protocol", [
  z.strictObject({ protocol: z.literal("plaintext") }),
  z.strictObject({ protocol: z.literal("ssl"), ca: KafkaCaPem.optional(), clientCertificate: z.boolean().optional() }),
  z.strictObject({ protocol: z.literal("sasl_plaintext"), mechanism: KafkaSaslMechanism }),
  z.strictObject({
    protocol: z.literal("sasl_ssl"),
    mechanism: KafkaSaslMechanism,
    ca: KafkaCaPem.optional(),
    clientCertificate: z.boolean().optional(),
  }),
]);
export type KafkaSecurity = z.infer<typeof KafkaSecurity>;

/** What the browser may see and send in clear. */
export const KafkaConnectionConfig = z.strictObject({
  bootstrapServers: z.array(KafkaBrokerAddress).min(1, "At least one broker").max(20),
  security: KafkaSecurity,
});
export type KafkaConnectionConfig = z.infer<typeof KafkaConnectionConfig>;

/** A client certificate's private key, PEM, unencrypted (there is no passphrase field). */
export const KafkaClientKeyPem = z
  .string()
  .trim()
  .max(64 * 1024, "At most 64 KB of PEM")
  .regex(
    /^-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC )?PRIVATE KEY-----$/,
    "An unencrypted PEM private key (-----BEGIN PRIVATE KEY----- ...)",
  );

/**
 * Sealed at rest, never sent back: username and password for the SASL protocols (a bearer token for
 * OAUTHBEARER), client certificate and key for `clientCertificate`. Which are required follows from
 * the security (credentialsProblem).
 */
export const KafkaCredentials = z.strictObject({
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(1024).optional(),
  token: z
    .string()
    .trim()
    .min(1)
    .max(16 * 1024)
    .optional(),
  clientCert: KafkaCaPem.optional(),
  clientKey: KafkaClientKeyPem.optional(),
});
export type KafkaCredentials = z.infer<typeof KafkaCredentials>;

const usesSasl = (security: KafkaSecurity) =>
  security.protocol === "sasl_plaintext" || security.protocol === "sasl_ssl";
const usesToken = (security: KafkaSecurity) =>
  usesSasl(security) && "mechanism" in security && security.mechanism === "OAUTHBEARER";
const usesPassword = (security: KafkaSecurity) => usesSasl(security) && !usesToken(security);
const usesClientCertificate = (security: KafkaSecurity) =>
  (security.protocol === "ssl" || security.protocol === "sasl_ssl") && security.clientCertificate === true;

export function needsCredentials(security: KafkaSecurity): boolean {
  return usesSasl(security) || usesClientCertificate(security);
}

/** The credentials this security uses, out of saved and/or newly given ones (new fields win). */
export function credentialsFor(
  security: KafkaSecurity,
  ...sources: (KafkaCredentials | undefined)[]
): KafkaCredentials | undefined {
  const merged: KafkaCredentials = Object.assign({}, ...sources.filter(Boolean));
  const kept: KafkaCredentials = {
    ...(usesPassword(security) && merged.username !== undefined ? { username: merged.username } : {}),
    ...(usesPassword(security) && merged.password !== undefined ? { password: merged.password } : {}),
    ...(usesToken(security) && merged.token !== undefined ? { token: merged.token } : {}),
    ...(usesClientCertificate(security) && merged.clientCert !== undefined ? { clientCert: merged.clientCert } : {}),
    ...(usesClientCertificate(security) && merged.clientKey !== undefined ? { clientKey: merged.clientKey } : {}),
  };
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Credentials given that this security does not use, or undefined. */
export function unusedCredentials(
  security: KafkaSecurity,
  credentials: KafkaCredentials | undefined,
): string | undefined {
  const c = credentials ?? {};
  if (!usesPassword(security) && (c.username !== undefined || c.password !== undefined))
    return usesToken(security)
      ? "OAUTHBEARER takes a token, no username or password."
      : `${security.protocol} takes no username or password.`;
  if (!usesToken(security) && c.token !== undefined) return "Only SASL OAUTHBEARER takes a token.";
  if (!usesClientCertificate(security) && (c.clientCert !== undefined || c.clientKey !== undefined))
    return 'A client certificate and key are only used with SSL or SASL_SSL and "Client certificate" on.';
  return undefined;
}

/** What is missing from (or superfluous in) the credentials for this security, or undefined. */
export function credentialsProblem(
  security: KafkaSecurity,
  credentials: KafkaCredentials | undefined,
): string | undefined {
  const c = credentials ?? {};
  if (usesPassword(security) && (!c.username || !c.password)) return "SASL needs a username and a password.";
  if (usesToken(security) && !c.token) return "OAUTHBEARER needs a token.";
  if (usesClientCertificate(security) && (!c.clientCert || !c.clientKey))
    return "A client certificate needs the certificate and its private key.";
  return unusedCredentials(security, credentials);
}

export const KafkaConnectionName = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9 _.-]+$/, "Letters, digits, spaces, '_', '.' and '-' only");

/** How a Kafka client reaches the cluster: the shape of createKafka's brokers/tls/sasl options. */
export type KafkaClientSettings = {
  brokers: string[];
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?:
    | { mechanism: Exclude<KafkaSaslMechanism, "OAUTHBEARER">; username: string; password: string }
    | { mechanism: "OAUTHBEARER"; token: string };
};

/** A connection's config and opened credentials as client settings; missing credentials throw. */
export function kafkaClientSettings(
  config: KafkaConnectionConfig,
  credentials: KafkaCredentials | undefined,
): KafkaClientSettings {
  const { security } = config;
  const problem = credentialsProblem(security, credentialsFor(security, credentials));
  if (problem) throw new Error(`the Kafka connection's credentials do not fit its security: ${problem}`);
  const c = credentials ?? {};
  const tls =
    security.protocol === "ssl" || security.protocol === "sasl_ssl"
      ? {
          tls: {
            ...(security.ca ? { ca: security.ca } : {}),
            ...(usesClientCertificate(security) ? { cert: c.clientCert!, key: c.clientKey! } : {}),
          },
        }
      : {};
  if (security.protocol === "sasl_plaintext" || security.protocol === "sasl_ssl") {
    if (security.mechanism === "OAUTHBEARER")
      return { brokers: config.bootstrapServers, ...tls, sasl: { mechanism: "OAUTHBEARER", token: c.token! } };
    return {
      brokers: config.bootstrapServers,
      ...tls,
      sasl: { mechanism: security.mechanism, username: c.username!, password: c.password! },
    };
  }
  return { brokers: config.bootstrapServers, ...tls };
}
