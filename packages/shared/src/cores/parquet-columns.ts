import type { FieldSet, FieldType } from "../nodes/field-set";
import type { ParquetColumn, ParquetColumnType } from "../nodes/sinks/s3-sink";

/** A column as the s3-sink writes it: its type decided. */
export type ResolvedParquetColumn = {
  name: string;
  field: string;
  type: Exclude<ParquetColumnType, "auto">;
  /** Where the type comes from, for the designer: "set on the node", "integer from window count"... */
  how: string;
  /** The type came from the nodes upstream (or from the node's own setting), not the string fallback. */
  typed: boolean;
};

export type ParquetColumnsResult = { ok: true; columns: ResolvedParquetColumn[] } | { ok: false; message: string };

const COLUMN_TYPES: Record<FieldType, Exclude<ParquetColumnType, "auto">> = {
  string: "string",
  integer: "int64",
  number: "double",
  boolean: "boolean",
  timestamp: "timestamp",
  object: "json",
  array: "json",
};

const MAX_DERIVED_COLUMNS = 256;

/**
 * The Parquet columns of an s3-sink: its listed columns, or (none listed) one per top-level field
 * known to reach it. An `auto` column takes the field's type known upstream (`input.types`); a field
 * whose type is not known is a string column (text as is, other values as JSON text), so nothing
 * typed is guessed from data.
 */
export function resolveParquetColumns(columns: readonly ParquetColumn[], input: FieldSet): ParquetColumnsResult {
  let listed: readonly ParquetColumn[] = columns;
  if (listed.length === 0) {
    if (input.open)
      return {
        ok: false,
        message: "The fields reaching this node are not known (e.g. a JSON topic): list the Parquet columns",
      };
    const fields = [...new Set(input.paths.map((path) => path.split(".")[0]!).filter((name) => name !== "*"))];
    if (fields.length === 0) return { ok: false, message: "No fields are known to reach this node: list the columns" };
    listed = fields.slice(0, MAX_DERIVED_COLUMNS).map((field) => ({ name: field, field, type: "auto" }));
  }
  return {
    ok: true,
    columns: listed.map((column) => {
      if (column.type !== "auto")
        return { name: column.name, field: column.field, type: column.type, how: "set on the node", typed: true };
      const known = input.types?.[column.field];
      if (known)
        return {
          name: column.name,
          field: column.field,
          type: COLUMN_TYPES[known.type],
          how: `${known.type} from ${known.from}`,
          typed: true,
        };
      // A derived column over a field with known children (`props.*`, `context.page`) holds an object.
      const nested = input.paths.some((path) => path.startsWith(`${column.field}.`));
      return {
        name: column.name,
        field: column.field,
        type: nested ? "json" : "string",
        how: nested ? "an object: JSON text" : "type not known upstream: text, other values as JSON",
        typed: false,
      };
    }),
  };
}
