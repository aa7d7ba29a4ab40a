import { z } from "zod";
import { FieldPath } from "../events/field-path";
import { type ExpressionKind, MAX_EXPRESSION_LENGTH } from "../expr/compile-expression";
import { type FieldUi, ui } from "./field-ui";

/** A CEL expression in a config. Syntax and types are checked by validateGraph (with positions). */
export function expression(kind: ExpressionKind, meta: Omit<FieldUi, "widget" | "expressionKind">) {
  return z
    .string()
    .min(1)
    .max(MAX_EXPRESSION_LENGTH)
    .meta(ui({ ...meta, widget: "expression", expressionKind: kind }));
}

/** A reference to a workspace secret by id: the value itself never appears in a graph. */
export function secretRef(
  secretKind: NonNullable<FieldUi["secretKind"]>,
  meta: Omit<FieldUi, "widget" | "secretKind">,
) {
  return z
    .string()
    .min(1)
    .max(128)
    .meta(ui({ ...meta, widget: "secret", secretKind }));
}

/**
 * A workspace Kafka connection by id; absent means this workspace's namespace on Sluice's own cluster.
 * validateGraph checks the id exists when it is given the workspace's connections.
 */
export function kafkaConnectionRef(meta: Omit<FieldUi, "widget">) {
  return z
    .string()
    .min(1)
    .max(64)
    .meta(ui({ ...meta, widget: "kafka-connection" }));
}

export function schemaRegistryRef(meta: Omit<FieldUi, "widget">) {
  return z
    .string()
    .min(1)
    .max(64)
    .meta(ui({ ...meta, widget: "schema-registry" }));
}

export function fieldPath(meta: Omit<FieldUi, "widget">) {
  return FieldPath.meta(ui({ ...meta, widget: "field-path" }));
}

/** An output field name produced by a node (group-by and aggregation names). */
export const OutputFieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "Letters, digits and _, starting with a letter or _");

/** A SQL identifier we can quote safely: no quoting tricks, Postgres' 63-byte limit. */
export const SqlIdentifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "Letters, digits and _, starting with a letter or _ (max 63)");

/** A view's name: the `<view>` of GET /v1/views/<view>, unique among a workspace's running pipelines. */
export const ViewName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "Lower-case letters, digits, '-' and '_' (max 63), starting with a letter or digit",
  );

/** The "Serve as view" field of sinks whose results apps may read back (postgres-sink, redis-sink). */
export function viewNameField(description: string) {
  return ViewName.optional().meta(
    ui({ title: "Serve as view", description, widget: "text", placeholder: "trending-pages" }),
  );
}

/** Kafka's legal topic characters and length. */
export const KafkaTopicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, "Letters, digits, '.', '_' and '-' (max 249)")
  .refine((topic) => topic !== "." && topic !== "..", "Not a valid topic name");

/** Adds an issue at `path` inside a superRefine. */
export function issue(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}
