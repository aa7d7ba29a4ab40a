import { z } from "zod";
import { KAFKA_VALUE_FORMATS, REGISTRY_FORMATS } from "../../connections/schema-registry";
import { kafkaConnectionRef, KafkaTopicName, schemaRegistryRef } from "../config-fields";
import { ui } from "../field-ui";
import { FIELD_TYPES, knownFields, OPEN_FIELDS, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT } from "../port";

export const KafkaSourceConfig = z.strictObject({
  connectionId: kafkaConnectionRef({
    title: "Connection",
    description:
      "Empty: this workspace's topics on Sluice's cluster. Otherwise a Kafka connection an admin registered.",
  }).optional(),
  topic: KafkaTopicName.meta(
    ui({
      title: "Topic",
      description: "An existing topic. On Sluice's cluster, a topic of this workspace.",
      widget: "text",
      placeholder: "web.events",
    }),
  ),
  startPosition: z
    .enum(["earliest", "latest"])
    .default("latest")
    .meta(
      ui({
        title: "Start from",
        description:
          "Where a new deployment starts reading; later deploys resume from committed offsets. Default latest.",
        widget: "select",
      }),
    ),
  valueFormat: z
    .enum(KAFKA_VALUE_FORMATS)
    .default("json")
    .meta(
      ui({
        title: "Value format",
        description:
          "json: a JSON object per message. string: any text, as the field `value`. avro, protobuf, json-schema: the schema registry's wire format (magic byte and schema id), decoded with the registry's schema.",
        widget: "select",
      }),
    ),
  registryId: schemaRegistryRef({
    title: "Schema registry",
    description: "The registry the topic's producers register their schemas with.",
    visibleWhen: { field: "valueFormat", oneOf: REGISTRY_FORMATS },
  }).optional(),
  schemaFields: z
    .array(
      z
        .string()
        .max(200)
        .regex(/^[A-Za-z_$][\w$-]*(\.[\w$-]+)*(\.\*)?$/),
    )
    .max(500)
    .optional()
    .meta(
      ui({
        title: "Schema fields",
        description:
          "The fields of the topic's schema, offered downstream for autocompletion and field checks. Filled by \"Use the schema's fields\".",
        widget: "list",
        visibleWhen: { field: "valueFormat", oneOf: REGISTRY_FORMATS },
        advanced: true,
      }),
    ),
  schemaFieldTypes: z
    .array(z.strictObject({ path: z.string().max(200), type: z.enum(FIELD_TYPES) }))
    .max(500)
    .optional()
    .meta(
      ui({
        title: "Schema field types",
        description:
          "The types of the schema's fields, for typed columns downstream (Parquet). Filled by \"Use the schema's fields\".",
        widget: "key-value-list",
        visibleWhen: { field: "valueFormat", oneOf: REGISTRY_FORMATS },
        advanced: true,
      }),
    ),
});
export type KafkaSourceConfig = z.infer<typeof KafkaSourceConfig>;

export const kafkaSourceNode = defineNode({
  type: "kafka-source",
  typeVersion: 1,
  category: "source",
  label: "Kafka topic",
  description:
    "Reads events from an existing Kafka or Redpanda topic: JSON, text, or Avro/Protobuf/JSON Schema through a schema registry.",
  icon: "kafka",
  stateful: false,
  inputs: [],
  outputs: [
    { name: "out", label: "Events", kind: "event" },
    {
      ...ERROR_PORT,
      description:
        "Messages the value format cannot read (not a JSON object, not the registry's wire format, an unknown schema id).",
    },
  ],
  configSchema: KafkaSourceConfig,
  example: { topic: "web.events", startPosition: "latest" },
  // Unknown producer: no field warnings downstream, unless the registry's schema names the fields.
  outputFields: (config) => {
    if (config.valueFormat === "string") return knownFields(["value"], typedFrom("text message", { value: "string" }));
    if (config.valueFormat !== "json" && config.schemaFields && config.schemaFields.length > 0) {
      const types = Object.fromEntries((config.schemaFieldTypes ?? []).map((f) => [f.path, f.type]));
      return knownFields(config.schemaFields, typedFrom(`${config.valueFormat} schema`, types));
    }
    return OPEN_FIELDS;
  },
});
