import { z } from "zod";

/**
 * A schema registry connection: a workspace-owned Confluent-compatible registry (Confluent,
 * Redpanda's built-in one, Apicurio's ccompat API) that kafka-source decodes records through and
 * kafka-sink registers its schema with. The URL is the API's base (what `/subjects` hangs off);
 * basic-auth credentials are sealed at rest and never sent back.
 */
export const SchemaRegistryUrl = z
  .string()
  .trim()
  .max(2000)
  .url("A URL, e.g. https://registry.example.com or http://host:8080/apis/ccompat/v7")
  .refine((url) => /^https?:\/\//i.test(url), "http:// or https:// only")
  .refine(
    (url) => !/^https?:\/\/[^/]*@/i.test(url),
    "Put the username and password in their own fields, not in the URL",
  );

export const SchemaRegistryCredentials = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export type SchemaRegistryCredentials = z.infer<typeof SchemaRegistryCredentials>;

export const SchemaRegistryName = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9 _.-]+$/, "Letters, digits, spaces, '_', '.' and '-' only");

/** kafka-source value formats; the last three go through a schema registry. */
export const KAFKA_VALUE_FORMATS = ["json", "string", "avro", "protobuf", "json-schema"] as const;
export type KafkaValueFormat = (typeof KAFKA_VALUE_FORMATS)[number];
export const REGISTRY_FORMATS = ["avro", "protobuf", "json-schema"] as const;
export type RegistryFormat = (typeof REGISTRY_FORMATS)[number];

export function isRegistryFormat(format: string | undefined): format is RegistryFormat {
  return (REGISTRY_FORMATS as readonly string[]).includes(format ?? "");
}

/** The registry's schemaType for a value format. */
export const REGISTRY_SCHEMA_TYPE = {
  avro: "AVRO",
  protobuf: "PROTOBUF",
  "json-schema": "JSON",
} as const satisfies Record<RegistryFormat, string>;

/** The subject a topic's values are registered under (Confluent's TopicNameStrategy). */
export const valueSubject = (topic: string) => `${topic}-value`;
