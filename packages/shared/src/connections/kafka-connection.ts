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

export const KafkaSaslMechanism = z.enum(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
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
 * How the runner talks to the brokers. A discriminated union so the remaining options of "Getting
 * events in from real apps and clusters" (client certificates, OAUTHBEARER) are new members or
 * fields, not a new shape. The TLS protocols trust `ca` when given, else the system's CAs.
 */
export const KafkaSecurity = z.discriminatedUnion("protocol", [
  z.strictObject({ protocol: z.literal("plaintext") }),
  z.strictObject({ protocol: z.literal("ssl"), ca: KafkaCaPem.optional() }),
  z.strictObject({ protocol: z.literal("sasl_plaintext"), mechanism: KafkaSaslMechanism }),
  z.strictObject({ protocol: z.literal("sasl_ssl"), mechanism: KafkaSaslMechanism, ca: KafkaCaPem.optional() }),
]);
export type KafkaSecurity = z.infer<typeof KafkaSecurity>;

/** What the browser may see and send in clear. */
export const KafkaConnectionConfig = z.strictObject({
  bootstrapServers: z.array(KafkaBrokerAddress).min(1, "At least one broker").max(20),
  security: KafkaSecurity,
});
export type KafkaConnectionConfig = z.infer<typeof KafkaConnectionConfig>;

/** Sealed at rest, never sent back; required exactly for the SASL protocols. */
export const KafkaCredentials = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export type KafkaCredentials = z.infer<typeof KafkaCredentials>;

export function needsCredentials(security: KafkaSecurity): boolean {
  return security.protocol === "sasl_plaintext" || security.protocol === "sasl_ssl";
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
  tls?: { ca?: string };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
};

/** A connection's config and opened credentials as client settings; SASL without credentials throws. */
export function kafkaClientSettings(
  config: KafkaConnectionConfig,
  credentials: KafkaCredentials | undefined,
): KafkaClientSettings {
  const { security } = config;
  const tls =
    security.protocol === "ssl" || security.protocol === "sasl_ssl"
      ? { tls: security.ca ? { ca: security.ca } : {} }
      : {};
  if (security.protocol === "sasl_plaintext" || security.protocol === "sasl_ssl") {
    if (!credentials) throw new Error("the Kafka connection has no credentials");
    return { brokers: config.bootstrapServers, ...tls, sasl: { mechanism: security.mechanism, ...credentials } };
  }
  return { brokers: config.bootstrapServers, ...tls };
}
