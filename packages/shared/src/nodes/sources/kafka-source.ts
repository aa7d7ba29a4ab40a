import { z } from "zod";
import { kafkaConnectionRef, KafkaTopicName } from "../config-fields";
import { ui } from "../field-ui";
import { OPEN_FIELDS } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT } from "../port";

export const KafkaSourceConfig = z.strictObject({
  connectionId: kafkaConnectionRef({
    title: "Connection",
    description: "Empty: this workspace's topics on Sluice's cluster. Otherwise a Kafka connection an admin registered.",
  }).optional(),
  topic: KafkaTopicName.meta(ui({
    title: "Topic",
    description: "An existing topic whose values are JSON objects. On Sluice's cluster, a topic of this workspace.",
    widget: "text",
    placeholder: "web.events",
  })),
  startPosition: z.enum(["earliest", "latest"]).default("latest").meta(ui({
    title: "Start from",
    description: "Where a new deployment starts reading; later deploys resume from committed offsets. Default latest.",
    widget: "select",
  })),
});

export const kafkaSourceNode = defineNode({
  type: "kafka-source",
  typeVersion: 1,
  category: "source",
  label: "Kafka topic",
  description: "Reads JSON events from an existing Kafka or Redpanda topic.",
  icon: "kafka",
  stateful: false,
  inputs: [],
  outputs: [
    { name: "out", label: "Events", kind: "event" },
    { ...ERROR_PORT, description: "Messages whose value is not a JSON object." },
  ],
  configSchema: KafkaSourceConfig,
  example: { topic: "web.events", startPosition: "latest" },
  // Unknown producer: no field warnings downstream.
  outputFields: () => OPEN_FIELDS,
});
