/** TLS to the brokers; `{}` trusts the system's CAs. `cert` and `key` (PEM): a client certificate (mutual TLS). */
export type KafkaTls = { ca?: string; cert?: string; key?: string };
export type KafkaSasl =
  | { mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"; username: string; password: string }
  /** A bearer token (JWT) the broker validates; refreshing it is the caller's (a static token expires). */
  | { mechanism: "OAUTHBEARER"; token: string };

/** Connection settings every client of one `createKafka()` shares. */
export type ClientBase = {
  clientOptions: {
    clientId: string;
    bootstrapBrokers: string[];
    /** TCP connect timeout per broker. */
    connectTimeout: number;
    /** Per-request timeout. */
    requestTimeout: number;
    /** Retries of a failed request (metadata refresh, leader change) before it fails. */
    retries: number;
    retryDelay: number;
    tls?: KafkaTls;
    sasl?: KafkaSasl;
  };
};
