// Confluent-compatible schema registry support (Node only: the runner and the web server).
export { createCodec, deriveAvroSchema, schemaFields, type Codec, type SchemaType } from "./codec";
export { schemaFieldTypes, type SchemaFieldType } from "./field-types";
export {
  createRegistryClient,
  RegistryError,
  type CompatibilityLevel,
  type RegisteredSchema,
  type RegistryAuth,
  type RegistryClient,
  type RegistryOptions,
} from "./client";
export {
  joinWireFormat,
  MAGIC_BYTE,
  readMessageIndexes,
  splitWireFormat,
  WireFormatError,
  writeMessageIndexes,
} from "./wire-format";
