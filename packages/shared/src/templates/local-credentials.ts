import type { FieldUi } from "../nodes/field-ui";

/**
 * Names of the credentials `npm start` seeds into the demo workspace (the local stack's own Postgres
 * and Redis, a hash salt, an ingest key). The new-pipeline dialog preselects them, so a template
 * deploys on the local stack without a visit to Settings.
 */
export const LOCAL_SECRET_NAMES: Partial<Record<NonNullable<FieldUi["secretKind"]>, string>> = {
  postgres: "local-postgres",
  redis: "local-redis",
  "hash-salt": "demo-pii-salt",
};

export const DEMO_INGEST_KEY_NAME = "Demo ingest";
