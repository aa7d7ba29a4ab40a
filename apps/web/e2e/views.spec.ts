// A person creates a read API key in Settings, marks a pipeline's Postgres sink as a view in the node
// drawer, publishes and deploys with the real buttons, and an app reads the sink's latest rows through
// GET /v1/views/<view> with that key (an ingest key is refused there).
import pg from "pg";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

const runnerUrl = process.env.INGEST_PUBLIC_URL ?? "http://127.0.0.1:4100";

test("a sink served as a view is read back by an app with a read key", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  const table = `views_e2e_${Date.now().toString(36)}`;
  await db.query(`CREATE TABLE ${table} (user_id text PRIMARY KEY, last_type text NOT NULL)`);
  try {
    await signUp(page, uniqueEmail("views"));
    await createWorkspace(page, "Storefront");
    const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
    const api = trpc(page, baseURL!);

    // The read key, created the way a person does it.
    await page.goto(`/w/${workspaceId}/settings/api-keys`);
    await page.getByLabel("Key name").fill("Storefront backend");
    await page.getByLabel("Kind").selectOption("read");
    await expect(page.getByLabel(/Publishable key for browsers/)).toHaveCount(0);
    await page.getByRole("button", { name: "Create key" }).click();
    const readToken = await page.getByTestId("copy-once").locator("input").inputValue();
    expect(readToken).toMatch(/^slr_/);
    await expect(page.getByTestId("api-key-table")).toContainText("read key (views)");
    await page.getByTestId("copy-once").getByRole("button", { name: "Done" }).click();

    const ingest = await api.call<{ id: string; token: string }>("apiKey.create", {
      workspaceId,
      name: "Storefront events",
    });
    const { id: secretId } = await api.call<{ id: string }>("secret.create", {
      workspaceId,
      name: "sink-db",
      value: process.env.DATABASE_URL,
    });
    const { id: pipelineId } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Last actions" });
    const pathKey = `views-${Date.now().toString(36)}`;
    await api.call("pipeline.saveDraft", {
      workspaceId,
      pipelineId,
      baseRevision: 0,
      graph: {
        nodes: [
          {
            id: "ingest",
            type: "http-ingest",
            typeVersion: 1,
            config: { pathKey, apiKeyId: ingest.id },
            position: { x: 0, y: 0 },
          },
          {
            id: "sink",
            type: "postgres-sink",
            typeVersion: 1,
            config: {
              connectionSecretId: secretId,
              table,
              mode: "upsert",
              keyColumns: ["user_id"],
              columns: [
                { column: "user_id", expression: "event.userId" },
                { column: "last_type", expression: "event.type" },
              ],
            },
            position: { x: 350, y: 0 },
          },
        ],
        edges: [{ id: "e1", source: "ingest", sourcePort: "out", target: "sink", targetPort: "in" }],
      },
    });

    // Mark the sink as a view in its drawer, then publish and deploy with the buttons.
    await page.goto(`/w/${workspaceId}/p/${pipelineId}`);
    await page.getByTestId("node-sink").click();
    const viewName = page.getByRole("textbox", { name: "Serve as view" });
    const viewNameError = page.locator('[data-field="viewName"] [data-testid="field-error"]');
    await viewName.fill("Last Action");
    await expect(viewNameError).toContainText(/Lower-case letters, digits/);
    await viewName.fill("last-action");
    await expect(viewNameError).toHaveCount(0);
    await page.getByRole("button", { name: "Close node settings" }).click();
    await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
    await expect(page.getByText(/Published version 1/)).toBeVisible();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
    await expect(page.getByTestId("deployment-status")).toContainText("running", { timeout: 90_000 });

    // The app's side: events in, the latest row per user out.
    const send = (events: object[]) =>
      fetch(`${runnerUrl}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(events),
        headers: { "x-api-key": ingest.token },
      });
    expect((await send([{ type: "view_item", userId: "u1" }])).status).toBe(202);
    expect(
      (
        await send([
          { type: "add_to_cart", userId: "u1" },
          { type: "view_item", userId: "u2" },
        ])
      ).status,
    ).toBe(202);
    const view = (user: string, token = readToken) =>
      fetch(`${runnerUrl}/v1/views/last-action?key=${user}`, { headers: { "x-api-key": token } });
    await expect
      .poll(
        async () => {
          const res = await view("u1");
          return res.status === 200 ? await res.json() : res.status;
        },
        { timeout: 45_000 },
      )
      .toEqual({ view: "last-action", key: "u1", rows: [{ user_id: "u1", last_type: "add_to_cart" }] });
    expect(await (await view("u2")).json()).toMatchObject({ rows: [{ last_type: "view_item" }] });
    expect((await view("nobody")).status).toBe(404);
    expect((await view("u1", ingest.token)).status).toBe(403);
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  }
});
