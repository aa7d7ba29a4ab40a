import "server-only";
import { secretHint } from "@sluice/db";
import { KafkaConnectionConfig, KafkaCredentials, credentialsProblem, needsCredentials } from "@sluice/shared";
import { InvalidInputError } from "../../errors";
import { maskedConnectionSelect, openCredentials, sealCredentials } from "../connections/connection-records";

/** What leaves the server of a Kafka connection: name, config and the credentials' hint. */
export const listedKafkaConnection = { ...maskedConnectionSelect, config: true } as const;

export const connectionNotFound = "Connection not found.";
export const connectionConflict = (name: string) => `A connection named ${name} already exists.`;

/** The sealed credentials and their hint, or nulls for protocols without authentication. */
export function sealKafkaCredentials(
  config: KafkaConnectionConfig,
  credentials: KafkaCredentials | undefined,
  workspaceId: string,
) {
  const problem = credentialsProblem(config.security, credentials);
  if (problem) throw new InvalidInputError(problem);
  if (!credentials || !needsCredentials(config.security)) return { credentials: null, credentialsHint: null };
  const hint = [
    ...(credentials.password ? [secretHint(credentials.password)] : []),
    ...(credentials.token ? [`token ${secretHint(credentials.token)}`] : []),
    ...(credentials.clientCert ? ["client certificate"] : []),
  ].join(" + ");
  return { credentials: sealCredentials(credentials, workspaceId), credentialsHint: hint };
}

/** A saved connection's opened credentials. */
export function openKafkaCredentials(sealed: string | null, workspaceId: string): KafkaCredentials | undefined {
  return openCredentials(KafkaCredentials, sealed, workspaceId);
}

/** How audit rows describe a connection (never its credentials). */
export const kafkaConnectionSummary = (name: string, config: KafkaConnectionConfig) => ({
  name,
  bootstrapServers: config.bootstrapServers,
  protocol: config.security.protocol,
});
