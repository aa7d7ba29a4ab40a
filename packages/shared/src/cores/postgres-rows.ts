import type { EventRecord, JsonValue } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { CoreContext, CoreFailure } from "./core-types";

type PostgresSinkConfig = NodeConfig<"postgres-sink">;

/** One row's parameter values, in `columns` order: strings, numbers, booleans, null or JSON text. */
export type PostgresRow = { values: (string | number | boolean | null)[]; event: EventRecord };

export type PostgresRowBatch = { rows: PostgresRow[]; errors: CoreFailure[] };

/**
 * Maps records to rows with the configured column expressions. Objects and arrays become JSON text
 * (valid input for json/jsonb columns; drivers would otherwise send arrays as Postgres arrays).
 * With key columns, rows repeating a key within one batch are collapsed to the last one, because a
 * single INSERT ... ON CONFLICT DO UPDATE cannot touch the same row twice.
 */
export function createPostgresRowMapper(config: PostgresSinkConfig): {
  columns: string[];
  map(batch: readonly EventRecord[], ctx: CoreContext): PostgresRowBatch;
} {
  const columns = config.columns.map((mapping) => ({
    name: mapping.column,
    expression: mustCompile(mapping.expression, "value", `Column "${mapping.column}"`),
  }));
  const keyIndexes = config.keyColumns.map((key) => columns.findIndex((column) => column.name === key));
  return {
    columns: columns.map((column) => column.name),
    map(batch, ctx) {
      const errors: CoreFailure[] = [];
      const byKey = new Map<string, PostgresRow>();
      const rows: PostgresRow[] = [];
      for (const event of batch) {
        let values: PostgresRow["values"];
        try {
          values = columns.map((column) => toParameter(column.expression.evaluate({ event, now: ctx.now })));
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
          continue;
        }
        const row = { values, event };
        if (keyIndexes.length === 0) rows.push(row);
        else byKey.set(JSON.stringify(keyIndexes.map((i) => values[i])), row);
      }
      return { rows: keyIndexes.length === 0 ? rows : [...byKey.values()], errors };
    },
  };
}

function toParameter(value: JsonValue): string | number | boolean | null {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : value;
}

/**
 * The parameterised statement for `rowCount` rows ($1..$n, row-major). Identifiers are quoted; they
 * are already restricted to [A-Za-z0-9_] by the config schema, so quoting cannot be escaped.
 * insert: `ON CONFLICT (keys) DO NOTHING` when key columns exist (re-deliveries are ignored);
 * upsert: `ON CONFLICT (keys) DO UPDATE SET` every non-key column.
 */
export function postgresWriteStatement(config: PostgresSinkConfig, rowCount: number): string {
  const quote = (identifier: string) => `"${identifier}"`;
  const table = config.table.split(".").map(quote).join(".");
  const columns = config.columns.map((mapping) => mapping.column);
  const width = columns.length;
  const values = Array.from(
    { length: rowCount },
    (_, row) => `(${columns.map((_, column) => `$${row * width + column + 1}`).join(", ")})`,
  ).join(", ");
  let statement = `INSERT INTO ${table} (${columns.map(quote).join(", ")}) VALUES ${values}`;
  if (config.keyColumns.length > 0) {
    const conflict = `ON CONFLICT (${config.keyColumns.map(quote).join(", ")})`;
    const updates = columns
      .filter((column) => !config.keyColumns.includes(column))
      .map((column) => `${quote(column)} = EXCLUDED.${quote(column)}`);
    statement +=
      config.mode === "upsert" ? ` ${conflict} DO UPDATE SET ${updates.join(", ")}` : ` ${conflict} DO NOTHING`;
  }
  return statement;
}
