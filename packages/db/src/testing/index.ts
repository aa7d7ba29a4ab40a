// Test helpers for integration tests of any workspace: `import { ... } from "@sluice/db/testing"`.
// Kept out of the main entry so application bundles never include them.
export { createTempDatabase, type TempDatabase } from "./temp-database";
export {
  describeSchema,
  diffSchemaDescriptions,
  formatSchemaDiff,
  isSameSchema,
  type SchemaDescription,
  type SchemaDiff,
} from "./schema-catalog";
