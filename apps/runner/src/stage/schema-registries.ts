// Workspace schema registries: what kafka-source decodes Avro/Protobuf/JSON Schema records with and
// kafka-sink registers its Avro schema with. Looked up by id *and* workspace, like Kafka connections.
import { openSecret } from "@sluice/db/security";
import type { ControlDb } from "../services/control-db";
import { createRegistryClient, type RegistryClient, WireFormatError } from "@sluice/schema-registry";
import {
  type EventRecord,
  isRegistryFormat,
  type KafkaValueFormat,
  REGISTRY_SCHEMA_TYPE,
  SchemaRegistryCredentials,
} from "@sluice/shared";

export async function loadRegistry(
  db: ControlDb,
  secretKey: string | undefined,
  workspaceId: string,
  registryId: string,
): Promise<RegistryClient> {
  const row = await db.schemaRegistry(workspaceId, registryId);
  if (!row) throw new Error(`schema registry ${registryId} not found in the workspace`);
  let auth: SchemaRegistryCredentials | undefined;
  if (row.credentials) {
    if (!secretKey) throw new Error("SLUICE_SECRET_KEY is not set: schema registry credentials cannot be decrypted");
    auth = SchemaRegistryCredentials.parse(JSON.parse(openSecret(row.credentials, secretKey, workspaceId)));
  }
  return createRegistryClient({ url: row.url, ...(auth ? { auth } : {}) });
}

/** A record value the source's format cannot read: the record goes to the node's error port with this code. */
export class UndecodableValue extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How a kafka-source's stage head turns a record's value (as the feeder passed it: text, or base64
 * for the registry formats) into an event. Throws UndecodableValue for a record that cannot be read;
 * anything else (the registry unreachable) is a transient failure and the batch is run again.
 */
export type ValueDecoder = { binary: boolean; decode(value: string): Promise<EventRecord> | EventRecord };

export function valueDecoder(format: KafkaValueFormat, registry: RegistryClient | undefined): ValueDecoder | undefined {
  if (format === "json") return undefined;
  if (format === "string") return { binary: false, decode: (value) => ({ value }) };
  if (!isRegistryFormat(format) || !registry) throw new Error(`the ${format} format needs a schema registry`);
  const expected = REGISTRY_SCHEMA_TYPE[format];
  return {
    binary: true,
    async decode(value) {
      try {
        return (await registry.decode(Buffer.from(value, "base64"), expected)) as EventRecord;
      } catch (e) {
        if (e instanceof WireFormatError) throw new UndecodableValue(e.code, e.message);
        throw e;
      }
    },
  };
}
