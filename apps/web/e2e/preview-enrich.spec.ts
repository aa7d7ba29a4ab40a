// The preview panel runs an enrich node against its real Postgres lookup, and when the lookup cannot
// be reached it says why on the enrich node and on every node downstream, without the secret.
import pg from "pg";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

test.describe.configure({ timeout: 120_000 });

const position = { x: 0, y: 0 };

function enrichGraph(connectionSecretId: string, table: string) {
  return {
    nodes: [
      { id: "gen", type: "generator", typeVersion: 1, config: {}, position },
      {
        id: "enrich",
        type: "enrich",
        typeVersion: 1,
        label: "Add type label",
        config: {
          lookup: { kind: "postgres", connectionSecretId, table, keyColumn: "type", columns: ["label"] },
          key: "event.type",
          target: "kind",
        },
        position: { x: 300, y: 0 },
      },
      {
        id: "out",
        type: "kafka-sink",
        typeVersion: 1,
        label: "Labelled events",
        config: { topic: "labelled" },
        position: { x: 600, y: 0 },
      },
    ],
    edges: [
      { id: "e1", source: "gen", sourcePort: "out", target: "enrich", targetPort: "in" },
      { id: "e2", source: "enrich", sourcePort: "out", target: "out", targetPort: "in" },
    ],
  };
}

test("preview enriches from the real lookup, and says why when it cannot reach it", async ({ page, baseURL }) => {
  const table = `e2e_event_types_${Date.now().toString(36)}`;
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(`CREATE TABLE ${table} (type text PRIMARY KEY, label text)`);
    await db.query(`INSERT INTO ${table} VALUES ('page_view', 'Page viewed'), ('purchase', 'Bought something')`);

    await signUp(page, uniqueEmail("enrich-preview"));
    await createWorkspace(page, "Enrich preview");
    const workspaceUrl = page.url();
    const workspaceId = workspaceUrl.split("/w/")[1]!;
    const api = trpc(page, baseURL!);
    const { id: good } = await api.call<{ id: string }>("secret.create", {
      workspaceId,
      name: "reference-db",
      value: process.env.DATABASE_URL,
    });
    const { id: bad } = await api.call<{ id: string }>("secret.create", {
      workspaceId,
      name: "down-db",
      value: "postgresql://app:hunter2-canary-e2e@127.0.0.1:1/app",
    });

    // The real table: the enrich node's output carries its rows.
    const { id: enriched } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Enriched" });
    await api.call("pipeline.saveDraft", {
      workspaceId,
      pipelineId: enriched,
      baseRevision: 0,
      graph: enrichGraph(good, table),
    });
    await page.goto(`${workspaceUrl}/p/${enriched}`);
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.getByLabel("Generated events").fill("30");
    await page.getByRole("button", { name: "▶ Run preview" }).click();
    await expect(page.getByText("Ran 3 of 3 nodes")).toBeVisible({ timeout: 20_000 });
    const nodes = page.getByRole("list", { name: "Preview by node" });
    await nodes.getByRole("button", { name: /^Add type label/ }).click();
    await expect(page.getByTestId("preview-rows").locator("th", { hasText: "kind" })).toBeVisible();
    await expect(page.getByTestId("preview-rows")).toContainText("Page viewed");

    // An unreachable lookup: the enrich node and the sink after it say why, in the node list.
    const { id: down } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Lookup down" });
    await api.call("pipeline.saveDraft", {
      workspaceId,
      pipelineId: down,
      baseRevision: 0,
      graph: enrichGraph(bad, table),
    });
    await page.goto(`${workspaceUrl}/p/${down}`);
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.getByLabel("Generated events").fill("30");
    await page.getByRole("button", { name: "▶ Run preview" }).click();
    await expect(page.getByText("Ran 1 of 3 nodes")).toBeVisible({ timeout: 20_000 });
    await expect(nodes.getByRole("button", { name: /^Add type label/ })).toContainText("Lookup unreachable:");
    await expect(nodes.getByRole("button", { name: /^Labelled events/ })).toContainText(
      'Not run: "Add type label" was skipped (Lookup unreachable:',
    );
    await nodes.getByRole("button", { name: /^Labelled events/ }).click();
    await expect(page.getByText(/^Skipped: Not run: "Add type label" was skipped/)).toBeVisible();
    await page.screenshot({ path: test.info().outputPath("enrich-preview-unreachable.png") });
    expect(await page.content()).not.toContain("hunter2-canary");
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  }
});
