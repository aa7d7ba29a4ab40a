import { z } from "zod";
import { KAFKA_VALUE_FORMATS, REGISTRY_FORMATS } from "../../connections/schema-registry";
import { fieldPath, kafkaConnectionRef, KafkaTopicName, schemaRegistryRef } from "../config-fields";
import { ui } from "../field-ui";
import { addFields, FIELD_TYPES, type FieldSet, knownFields, OPEN_FIELDS, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT } from "../port";

/** A consumer group name as the user writes it (on Sluice's cluster, inside the workspace's namespace). */
export const KafkaGroupName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,200}$/, "Letters, digits, '.', '_' and '-' (max 200)");

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
  keyField: fieldPath({
    title: "Key as field",
    description:
      "Puts each message's key, decoded as text, into this field of the event (null for a message without a key), replacing what the value had there.",
    placeholder: "kafkaKey",
    advanced: true,
  }).optional(),
  headersToContext: z
    .boolean()
    .default(false)
    .meta(
      ui({
        title: "Headers into context",
        description:
          "Copies the message's headers into `context.headers` as text (at most 32; a header with a name over 128 or a value over 1024 characters, or named x-sluice-…, is left out).",
        widget: "toggle",
        advanced: true,
      }),
    ),
  consumerGroup: KafkaGroupName.optional().meta(
    ui({
      title: "Consumer group",
      description:
        "Empty: a group of this pipeline's own. On Sluice's cluster, a name inside this workspace's namespace. Through a connection, the exact group id, so your own tooling sees its lag.",
      widget: "text",
      placeholder: "orders-analytics",
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
    const added = [
      ...(config.keyField ? [config.keyField] : []),
      ...(config.headersToContext ? ["context.headers.*"] : []),
    ];
    let fields: FieldSet = OPEN_FIELDS;
    if (config.valueFormat === "string")
      fields = knownFields(["value"], typedFrom("text message", { value: "string" }));
    else if (config.valueFormat !== "json" && config.schemaFields && config.schemaFields.length > 0) {
      const types = Object.fromEntries((config.schemaFieldTypes ?? []).map((f) => [f.path, f.type]));
      fields = knownFields(config.schemaFields, typedFrom(`${config.valueFormat} schema`, types));
    }
    return addFields(fields, added);
  },
});
