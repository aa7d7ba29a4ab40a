// Workspace Kafka connections: how a kafka-source or kafka-sink reaches a cluster other than Sluice's
// own. Looked up by id *and* workspace, so a plan cannot borrow another workspace's connection.
import { openSecret } from "@sluice/db/security";
import type { ControlDb } from "../services/control-db";
import { checkCluster, type KafkaOptions } from "@sluice/kafka";
import { KafkaConnectionConfig, KafkaCredentials, kafkaClientSettings } from "@sluice/shared";

/** createKafka's options that come from the connection (client id and logger come from the runner). */
export type ConnectionOptions = Pick<KafkaOptions, "brokers" | "tls" | "sasl">;

/** A connection's stored config and opened credentials as client options. */
export function connectionOptions(
  config: KafkaConnectionConfig,
  credentials: KafkaCredentials | undefined,
): ConnectionOptions {
  return kafkaClientSettings(config, credentials);
}

export async function loadConnection(
  db: ControlDb,
  secretKey: string | undefined,
  workspaceId: string,
  connectionId: string,
): Promise<ConnectionOptions> {
  const row = await db.kafkaConnection(workspaceId, connectionId);
  if (!row) throw new Error(`Kafka connection ${connectionId} not found in the workspace`);
  let credentials: KafkaCredentials | undefined;
  if (row.credentials) {
    if (!secretKey) throw new Error("SLUICE_SECRET_KEY is not set: Kafka connection credentials cannot be decrypted");
    credentials = KafkaCredentials.parse(JSON.parse(openSecret(row.credentials, secretKey, workspaceId)));
  }
  return connectionOptions(KafkaConnectionConfig.parse(row.config), credentials);
}

/** A deployment could not start because of these nodes (e.g. their Kafka connection refused us). */
export class NodeStartError extends Error {
  override readonly name = "NodeStartError";

  constructor(
    readonly nodeIds: string[],
    message: string,
  ) {
    super(message);
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * One metadata round trip through the connection before its clients start (no retries): a wrong
 * password or CA becomes a clear reason on the nodes that use it, after one dial instead of a
 * consumer's minute of retries.
 */
export async function preflightConnection(
  options: ConnectionOptions,
  clientId: string,
  nodeIds: string[],
): Promise<void> {
  const result = await checkCluster({ ...options, clientId, timeoutMs: 15_000 });
  if (!result.ok) throw new NodeStartError(nodeIds, `Kafka connection: ${result.message}`);
}
