import { z } from "zod";
import { expression, issue, secretRef, SqlIdentifier, viewNameField } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const PostgresColumn = z.strictObject({
  column: SqlIdentifier.meta(ui({ title: "Column", widget: "text", placeholder: "event_type" })),
  expression: expression("value", { title: "Value", placeholder: "event.type" }),
});
export type PostgresColumn = z.infer<typeof PostgresColumn>;

export const PostgresSinkConfig = z
  .strictObject({
    connectionSecretId: secretRef("postgres", { title: "Connection" }),
    table: z
      .string()
      .regex(/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/, "table or schema.table")
      .meta(
        ui({
          title: "Table",
          description: "Must exist; Sluice does not create or migrate tables.",
          widget: "text",
          placeholder: "analytics.event_counts",
        }),
      ),
    mode: z
      .enum(["insert", "upsert"])
      .default("insert")
      .meta(
        ui({
          title: "Write mode",
          description:
            "insert: new rows only (with key columns, re-deliveries are ignored); upsert: insert or update by key columns, for window and session results. Default insert.",
          widget: "select",
        }),
      ),
    keyColumns: z
      .array(SqlIdentifier)
      .max(8)
      .default([])
      .meta(
        ui({
          title: "Key columns",
          description:
            "A unique or primary key of the table. Makes writes idempotent, so at-least-once delivery never duplicates rows.",
          widget: "list",
        }),
      ),
    columns: z
      .array(PostgresColumn)
      .min(1)
      .max(128)
      .meta(ui({ title: "Columns", widget: "fields-list" })),
    viewName: viewNameField(
      "A view name lets apps read this table's rows with a read API key: GET /v1/views/<name>?key=… returns the mapped columns of the rows whose view key column equals key. Empty: not served.",
    ),
    viewKeyColumn: SqlIdentifier.optional().meta(
      ui({
        title: "View key column",
        description: "The column ?key= is matched against. Default: the first key column.",
        widget: "text",
        placeholder: "page",
      }),
    ),
    viewOrderColumn: SqlIdentifier.optional().meta(
      ui({
        title: "View newest first by",
        description:
          "Rows for a key come newest first by this column (e.g. window_end); ?limit=N returns up to N (default 1, at most 100). Empty: in no particular order.",
        widget: "text",
        placeholder: "window_end",
      }),
    ),
  })
  .superRefine((config, ctx) => {
    const columns = new Set<string>();
    config.columns.forEach((mapping, i) => {
      if (columns.has(mapping.column))
        issue(ctx, ["columns", i, "column"], `Column "${mapping.column}" is mapped twice`);
      columns.add(mapping.column);
    });
    config.keyColumns.forEach((key, i) => {
      if (!columns.has(key)) issue(ctx, ["keyColumns", i], `Key column "${key}" is not in the column mapping`);
    });
    if (config.viewName !== undefined) {
      const keyColumn = config.viewKeyColumn ?? config.keyColumns[0];
      if (keyColumn === undefined) issue(ctx, ["viewKeyColumn"], "A view needs a key column (or key columns)");
      else if (!columns.has(keyColumn))
        issue(ctx, ["viewKeyColumn"], `View key column "${keyColumn}" is not in the column mapping`);
      if (config.viewOrderColumn !== undefined && !columns.has(config.viewOrderColumn))
        issue(ctx, ["viewOrderColumn"], `Column "${config.viewOrderColumn}" is not in the column mapping`);
    } else {
      if (config.viewKeyColumn !== undefined)
        issue(ctx, ["viewKeyColumn"], "Only used when the sink is served as a view");
      if (config.viewOrderColumn !== undefined)
        issue(ctx, ["viewOrderColumn"], "Only used when the sink is served as a view");
    }
    if (config.mode === "upsert") {
      if (config.keyColumns.length === 0) issue(ctx, ["keyColumns"], "Upsert needs at least one key column");
      else if (config.keyColumns.length === columns.size)
        issue(ctx, ["columns"], "Upsert needs at least one non-key column to update");
    }
  });
export type PostgresSinkConfig = z.infer<typeof PostgresSinkConfig>;

export const postgresSinkNode = defineNode({
  type: "postgres-sink",
  typeVersion: 1,
  category: "sink",
  label: "PostgreSQL",
  description: "Writes records as rows into a PostgreSQL table, idempotently when key columns are set.",
  icon: "postgres",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ ...ERROR_PORT, description: "Rows that could not be mapped or written after retries." }],
  configSchema: PostgresSinkConfig,
  example: {
    connectionSecretId: "sec_warehouse",
    table: "analytics.events",
    mode: "insert",
    keyColumns: ["event_id"],
    columns: [
      { column: "event_id", expression: "event.id" },
      { column: "event_type", expression: "event.type" },
      { column: "user_id", expression: "event.userId" },
      { column: "occurred_at", expression: "event.timestamp" },
    ],
  },
  expressions: (config) =>
    config.columns.map((mapping, i) => ({
      path: ["columns", i, "expression"],
      source: mapping.expression,
      kind: "value" as const,
    })),
});
