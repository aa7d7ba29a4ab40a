import type { ExpressionKind } from "../expr/compile-expression";

/** Which form control renders a config field. The web app maps each to a component. */
export type FieldWidget =
  | "text"
  | "textarea"
  | "number"
  | "toggle"
  | "select"
  | "duration"
  | "url"
  | "expression"
  | "field-path"
  | "secret"
  | "api-key"
  | "kafka-connection"
  | "schema-registry"
  | "json-schema"
  | "key-value-list"
  | "fields-list"
  | "list";

/**
 * Form metadata attached to config schemas with `.meta(ui({...}))`. Lives in zod's global registry,
 * so `z.toJSONSchema(configSchema)` carries it to the form generator and the docs.
 */
export type FieldUi = {
  title: string;
  description?: string;
  widget: FieldWidget;
  placeholder?: string;
  /** For `expression` widgets: what the expression must produce (drives editor hints). */
  expressionKind?: ExpressionKind;
  /** For `secret` widgets: which kind of workspace secret can be picked. */
  secretKind?: "postgres" | "redis" | "webhook-signing" | "hash-salt" | "object-storage";
  /** Shown only when another field has one of these values (e.g. `slide` for hopping windows). */
  visibleWhen?: { field: string; oneOf: readonly (string | number | boolean)[] };
  /** Collapsed under "Advanced" by default. */
  advanced?: boolean;
  unit?: string;
};

export function ui(meta: FieldUi): FieldUi {
  return meta;
}
