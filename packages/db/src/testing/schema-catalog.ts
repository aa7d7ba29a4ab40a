// A normalised, line-per-fact description of the `public` schema, read from pg_catalog, so that two
// databases built different ways (committed migrations vs. prisma/schema.prisma) can be compared.
//
// Compared: tables, columns (type, nullability, default), indexes (full definition), primary/unique/
// foreign/check/exclusion constraints (full definition, including ON DELETE), enums and their labels.
// Deliberately ignored:
// - triggers and functions: hand-written in migrations because Prisma cannot express them
//   (e.g. the append-only audit_log trigger), so schema.prisma never produces them;
// - column order and enum label order: a correct migration appends (ADD COLUMN, ADD VALUE) where
//   the schema file may list the new one in the middle;
// - Prisma's own _prisma_migrations table.
import type pg from "pg";

type Queryable = Pick<pg.ClientBase, "query">;

export type SchemaDescription = string[];

const IGNORED_TABLE = "_prisma_migrations";

export async function describeSchema(db: Queryable): Promise<SchemaDescription> {
  const facts: string[] = [];

  const enums = await db.query<{ name: string; labels: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumlabel) AS labels
    FROM pg_type t
    JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public'
    GROUP BY t.typname`);
  for (const row of enums.rows) facts.push(`enum ${row.name}: ${row.labels.join(", ")}`);

  const tables = await db.query<{ name: string }>(
    `
    SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> $1`,
    [IGNORED_TABLE],
  );
  for (const row of tables.rows) facts.push(`table ${row.name}`);

  const columns = await db.query<{
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>(
    `
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> $1
      AND a.attnum > 0 AND NOT a.attisdropped`,
    [IGNORED_TABLE],
  );
  for (const row of columns.rows) {
    const nullability = row.not_null ? "not null" : "null";
    const fallback = row.default === null ? "" : ` default ${row.default}`;
    facts.push(`column ${row.table}.${row.column}: ${row.type} ${nullability}${fallback}`);
  }

  const indexes = await db.query<{ name: string; definition: string }>(
    `
    SELECT indexname AS name, indexdef AS definition
    FROM pg_indexes WHERE schemaname = 'public' AND tablename <> $1`,
    [IGNORED_TABLE],
  );
  for (const row of indexes.rows) facts.push(`index ${row.name}: ${row.definition}`);

  const constraints = await db.query<{ table: string; name: string; definition: string }>(
    `
    SELECT c.relname AS table, co.conname AS name, pg_get_constraintdef(co.oid) AS definition
    FROM pg_constraint co
    JOIN pg_class c ON c.oid = co.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND co.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relname <> $1`,
    [IGNORED_TABLE],
  );
  for (const row of constraints.rows) facts.push(`constraint ${row.table}.${row.name}: ${row.definition}`);

  return facts.sort();
}

export type SchemaDiff = {
  /** Facts true of the first database only. */
  onlyInFirst: string[];
  /** Facts true of the second database only. */
  onlyInSecond: string[];
};

export function diffSchemaDescriptions(first: SchemaDescription, second: SchemaDescription): SchemaDiff {
  const firstSet = new Set(first);
  const secondSet = new Set(second);
  return {
    onlyInFirst: first.filter((fact) => !secondSet.has(fact)),
    onlyInSecond: second.filter((fact) => !firstSet.has(fact)),
  };
}

export function isSameSchema(diff: SchemaDiff): boolean {
  return diff.onlyInFirst.length === 0 && diff.onlyInSecond.length === 0;
}

/** A diff(1)-like listing with the two sides named, for assertion messages. */
export function formatSchemaDiff(diff: SchemaDiff, firstLabel: string, secondLabel: string): string {
  return [
    `--- ${firstLabel}`,
    `+++ ${secondLabel}`,
    ...diff.onlyInFirst.map((fact) => `- ${fact}`),
    ...diff.onlyInSecond.map((fact) => `+ ${fact}`),
  ].join("\n");
}
