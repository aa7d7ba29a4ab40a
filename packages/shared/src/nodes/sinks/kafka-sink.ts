import { z } from "zod";
import { expression, kafkaConnectionRef, KafkaTopicName, schemaRegistryRef } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const KafkaSinkConfig = z.strictObject({
  connectionId: kafkaConnectionRef({
    title: "Connection",
    description:
      "Empty: this workspace's topics on Sluice's cluster. Otherwise a Kafka connection an admin registered.",
  }).optional(),
  topic: KafkaTopicName.meta(
    ui({
      title: "Topic",
      description:
        "On Sluice's cluster, a topic of this workspace, created with the pipeline's partition count if missing. On a connection, it must exist.",
      widget: "text",
      placeholder: "analytics.purchases",
    }),
  ),
  key: expression("key", {
    title: "Message key",
    description: "Empty: keep the incoming key (the user id after key-by).",
  }).optional(),
  valueFormat: z
    .enum(["json", "avro"])
    .default("json")
    .meta(
      ui({
        title: "Value format",
        description:
          "json: a JSON object per message. avro: the schema registry's wire format, with a schema registered under <topic>-value at publish.",
        widget: "select",
      }),
    ),
  registryId: schemaRegistryRef({
    title: "Schema registry",
    description: "Where the schema is registered; publish checks it against the subject's compatibility mode.",
    visibleWhen: { field: "valueFormat", oneOf: ["avro"] },
  }).optional(),
  avroSchema: z
    .string()
    .max(100_000)
    .optional()
    .meta(
      ui({
        title: "Avro schema",
        description:
          "Empty: derived from the fields known to reach this node (each optional: null, boolean, double or string).",
        widget: "textarea",
        visibleWhen: { field: "valueFormat", oneOf: ["avro"] },
        advanced: true,
      }),
    ),
});
export type KafkaSinkConfig = z.infer<typeof KafkaSinkConfig>;

export const kafkaSinkNode = defineNode({
  type: "kafka-sink",
  typeVersion: 1,
  category: "sink",
  label: "Kafka topic",
  description:
    "Publishes records as JSON, or Avro through a schema registry, to a Kafka or Redpanda topic for other systems.",
  icon: "kafka",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [ERROR_PORT],
  configSchema: KafkaSinkConfig,
  example: { topic: "analytics.purchases" },
  expressions: (config) => (config.key ? [{ path: ["key"], source: config.key, kind: "key" as const }] : []),
});
