import { describe, expect, it } from "vitest";
import { diffSchemaDescriptions, formatSchemaDiff, isSameSchema } from "./schema-catalog";

describe("diffSchemaDescriptions", () => {
  const base = ["column workspace.id: text not null", "table workspace"];

  it("finds nothing between equal descriptions", () => {
    expect(isSameSchema(diffSchemaDescriptions(base, [...base]))).toBe(true);
  });

  it("reports an extra column on either side", () => {
    const withExtra = [...base, "column workspace.extra: text null"].sort();
    const diff = diffSchemaDescriptions(base, withExtra);
    expect(isSameSchema(diff)).toBe(false);
    expect(diff).toEqual({ onlyInFirst: [], onlyInSecond: ["column workspace.extra: text null"] });
    expect(diffSchemaDescriptions(withExtra, base).onlyInFirst).toEqual(["column workspace.extra: text null"]);
  });

  it("reports a changed fact as one removal and one addition", () => {
    const changed = ["column workspace.id: text null", "table workspace"];
    const diff = diffSchemaDescriptions(base, changed);
    expect(formatSchemaDiff(diff, "migrations", "schema")).toBe(
      ["--- migrations", "+++ schema", "- column workspace.id: text not null", "+ column workspace.id: text null"].join(
        "\n",
      ),
    );
  });
});
