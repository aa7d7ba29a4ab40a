// The contract between the web app and the runner: Redis keys and channels (redis-keys), the
// messages sent over them (messages, metrics-snapshot) and Kafka headers (kafka-headers). One owner:
// both apps import these names from @sluice/shared and never restate them.
export * from "./redis-keys";
export * from "./messages";
export * from "./metrics-snapshot";
export * from "./kafka-headers";
