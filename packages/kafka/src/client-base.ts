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
  };
};
