import { readFile } from "node:fs/promises";
import type { Browser, Locator, Page } from "@playwright/test";
import { createWorkspace, expect, PASSWORD, signUp, test, uniqueEmail } from "./helpers";

test.describe.configure({ timeout: 180_000 });

async function dropFromPalette(page: Page, type: string, x: number, y: number) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
  // The new node is selected and its settings open; close them so the canvas keeps its width.
  await page.getByRole("button", { name: "Close node settings" }).click();
}

/** A second person with their own browser context and client address (auth limits are per address). */
async function newPerson(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1600, height: 1000 },
    extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` },
  });
  return context.newPage();
}

/** Drags a wire from an output handle to an input handle, the way a user connects ports. */
async function connect(page: Page, from: Locator, to: Locator) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

const input = (page: Page, nodeId: string) =>
  page.locator(`.react-flow__handle.target[data-nodeid="${nodeId}"][data-handleid="in"]`);
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

test("a new user designs, previews, publishes, edits and re-imports a pipeline", async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("designer"));
  await createWorkspace(page, "Designer team");
  const workspaceUrl = page.url();

  // A Postgres sink needs a connection secret to pick.
  await page.goto(`${workspaceUrl}/settings/secrets`);
  await page.getByLabel("Name").fill("WAREHOUSE_DSN");
  await page.getByLabel("Value").fill("postgres://writer:pw@db.internal:5432/analytics");
  await page.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByText("WAREHOUSE_DSN").first()).toBeVisible();

  // Create a blank pipeline and land in the editor.
  await page.goto(workspaceUrl);
  await page.getByRole("button", { name: "New pipeline" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Purchases to warehouse");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await expect(page.getByTestId("canvas-empty")).toBeVisible();

  // Drag a generator, a filter and a Postgres sink from the palette.
  await dropFromPalette(page, "generator", 140, 140);
  await expect(node(page, "generator-1")).toBeVisible();
  await dropFromPalette(page, "filter", 440, 140);
  await expect(node(page, "filter-1")).toBeVisible();
  await dropFromPalette(page, "postgres-sink", 740, 140);
  await expect(node(page, "postgres-sink-1")).toBeVisible();

  // Connect generator → filter → sink.
  await connect(page, page.getByTestId("handle-generator-1-out"), input(page, "filter-1"));
  await connect(page, page.getByTestId("handle-filter-1-out"), input(page, "postgres-sink-1"));
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  // Invalid wires are refused while dragging: a self loop, and a second copy of an existing edge.
  await connect(page, page.getByTestId("handle-filter-1-out"), input(page, "filter-1"));
  await connect(page, page.getByTestId("handle-generator-1-out"), input(page, "filter-1"));
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  // An empty filter condition is an error on the node; a CEL syntax error shows its position.
  await expect(page.getByTestId("node-problems-filter-1")).toHaveAttribute("data-severity", "error");
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeDisabled();
  await node(page, "filter-1").click();
  const condition = page.locator("#field-filter-1-condition");
  await condition.fill('event.type == "purchase" &&');
  await expect(page.getByTestId("expression-error")).toContainText(/Line 1, column \d+/);
  await condition.fill('event.type == "purchase"');
  await expect(page.getByTestId("expression-error")).toHaveCount(0);
  await expect(page.getByText("✓ Valid")).toBeVisible();

  // Fill the sink's form: secret, table, one column mapping.
  await node(page, "postgres-sink-1").click();
  await page.locator("#field-postgres-sink-1-connectionSecretId").selectOption({ index: 1 });
  await page.locator("#field-postgres-sink-1-table").fill("analytics.purchases");
  await page.getByRole("button", { name: "+ Add item" }).click();
  await page.locator("#field-postgres-sink-1-columns_0_column").fill("event_id");
  await page.locator("#field-postgres-sink-1-columns_0_expression").fill("event.id");
  // Only warnings remain (the Errors ports are unconnected): nothing blocks publishing.
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeEnabled();

  // Autosave settles.
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });

  // Preview the unsaved graph and see the sink's rows.
  await page.getByRole("tab", { name: "Preview" }).click();
  await page.getByLabel("Generated events").fill("200");
  await page.getByRole("button", { name: "▶ Run preview" }).click();
  await page
    .getByRole("list", { name: "Preview by node" })
    .getByRole("button", { name: /PostgreSQL/ })
    .click();
  await expect(page.getByTestId("preview-rows")).toBeVisible();
  await expect(page.getByTestId("preview-rows").locator("th", { hasText: "event_id" })).toBeVisible();
  await expect(page.getByTestId("preview-rows").locator("tbody tr").first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("designer-preview.png") });

  // Publish version 1.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByLabel("What changed?").fill("First cut: purchases into the warehouse");
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText("Published version 1")).toBeVisible();

  // Reload: the same graph comes back from the server.
  await page.reload();
  for (const id of ["generator-1", "filter-1", "postgres-sink-1"]) await expect(node(page, id)).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await expect(page.getByText("Latest version v1")).toBeVisible();

  // Undo and redo a delete.
  await node(page, "filter-1").click();
  await page.getByRole("button", { name: "Close node settings" }).click();
  await node(page, "filter-1").click();
  await page.keyboard.press("Delete");
  await expect(node(page, "filter-1")).toHaveCount(0);
  await expect(page.locator(".react-flow__edge")).toHaveCount(0);
  await page.keyboard.press("Control+z");
  await expect(node(page, "filter-1")).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await page.keyboard.press("Control+Shift+z");
  await expect(node(page, "filter-1")).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(node(page, "filter-1")).toBeVisible();
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });

  // Duplicate (Ctrl+D) and copy/paste (Ctrl+C, Ctrl+V) are undoable too.
  await node(page, "generator-1").click();
  await page.getByRole("button", { name: "Close node settings" }).click();
  await node(page, "generator-1").click();
  await page.keyboard.press("Control+d");
  await expect(node(page, "generator-2")).toBeVisible();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await expect(node(page, "generator-3")).toBeVisible();
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z");
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });

  // Versions drawer: diff v1 against the draft (unchanged graph, so no changes).
  await page.getByRole("button", { name: "Versions" }).click();
  await expect(page.getByTestId("version-1")).toContainText("First cut");

  // Rename from the editor header.
  await page.getByRole("button", { name: "Rename pipeline" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Purchases → warehouse");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("pipeline-name")).toHaveText("Purchases → warehouse");

  // Export, then import as a new pipeline from the list.
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export" }).click();
  const download = await downloadPromise;
  const file = await download.path();
  const exported = JSON.parse(await readFile(file, "utf8")) as {
    format: string;
    graph: { nodes: unknown[]; edges: unknown[] };
  };
  expect(exported.format).toBe("sluice.pipeline");
  expect(exported.graph.nodes).toHaveLength(3);

  await page.goto(workspaceUrl);
  await expect(page.getByTestId("pipeline-row")).toHaveCount(1);
  await page.getByRole("button", { name: "Import JSON" }).click();
  await page.getByLabel("Or paste JSON").fill('{"format":"sluice.pipeline","formatVersion":2}');
  await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("import-error")).toContainText("Not a valid Sluice pipeline document");
  await page.getByLabel("Sluice export file").setInputFiles(file);
  await page.getByLabel("Name (optional").fill("Purchases (imported)");
  await page.getByRole("dialog").getByRole("button", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await expect(page.getByTestId("pipeline-name")).toHaveText("Purchases (imported)");
  for (const id of ["generator-1", "filter-1", "postgres-sink-1"]) await expect(node(page, id)).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
});

test("a viewer sees the pipeline and its config read-only", async ({ page, browser, baseURL }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("designer-owner"), "Olga Owner");
  await createWorkspace(page, "Read-only team");
  const workspaceUrl = page.url();
  await page.getByRole("button", { name: "New pipeline" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Clickstream KPIs");
  await page.locator("label", { hasText: "Clickstream analytics" }).click();
  // Credentials are not what this test is about: leave them for later (the nodes then show problems).
  await expect(page.getByTestId("template-credentials")).toBeVisible();
  for (const select of await page.getByTestId("template-credentials").locator("select").all())
    await select.selectOption("__later__");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  const pipelinePath = new URL(page.url()).pathname;
  await expect(page.getByTestId("readonly-badge")).toHaveCount(0);

  await page.goto(`${workspaceUrl}/settings/members`);
  const invite = page.getByRole("form", { name: "Invite a member" });
  const viewerEmail = uniqueEmail("designer-viewer");
  await invite.getByLabel("Email").fill(viewerEmail);
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByRole("button", { name: "Create invitation" }).click();
  const link = await page.getByRole("textbox", { name: "Invitation link" }).inputValue();

  const viewer = await newPerson(browser, baseURL);
  await viewer.goto(new URL(link).pathname);
  await viewer.getByRole("link", { name: "Create an account" }).click();
  await viewer.getByLabel("Name").fill("Vic Viewer");
  await viewer.getByLabel("Email").fill(viewerEmail);
  await viewer.getByLabel("Password").fill(PASSWORD);
  await viewer.getByRole("button", { name: "Create account" }).click();
  await viewer.getByRole("button", { name: "Accept invitation" }).click();
  await expect(viewer.getByRole("button", { name: "New pipeline" })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Import JSON" })).toHaveCount(0);

  await viewer.goto(pipelinePath);
  await expect(viewer.getByTestId("readonly-badge")).toBeVisible();
  await expect(viewer.locator(".react-flow__node").first()).toBeVisible();
  await expect(viewer.getByRole("complementary", { name: "Node palette" })).toHaveCount(0);
  for (const name of ["Publish", "Deploy", "Import", "Undo", "Auto-layout"]) {
    await expect(viewer.getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  await viewer.locator(".react-flow__node").first().click();
  const inspector = viewer.getByTestId("inspector");
  await expect(inspector).toBeVisible();
  await expect(inspector.getByLabel("Node label")).toBeDisabled();
  await viewer.keyboard.press("Delete");
  await expect(viewer.locator(".react-flow__node").first()).toBeVisible();

  // The server refuses the viewer's direct deploy call, whatever the UI shows.
  const workspaceId = pipelinePath.split("/")[2]!;
  const pipelineId = pipelinePath.split("/")[4]!;
  const deploy = await viewer.request.post("/api/trpc/deployment.deploy", {
    data: { json: { workspaceId, pipelineId, versionId: "any-version" } },
    headers: { origin: new URL(baseURL!).origin },
  });
  expect(deploy.status()).toBe(403);
  await viewer.context().close();
});

test("two editors saving the same draft get a conflict and can reload the other version", async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("designer-conflict"), "Cleo Conflict");
  await createWorkspace(page, "Conflict team");
  await page.getByRole("button", { name: "New pipeline" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Shared draft");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);

  // A second tab opens the same draft before the first one saves.
  const other = await page.context().newPage();
  await other.setViewportSize({ width: 1600, height: 1000 });
  await other.goto(page.url());
  await expect(other.getByTestId("canvas-empty")).toBeVisible();

  await dropFromPalette(page, "generator", 200, 200);
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });

  await dropFromPalette(other, "filter", 400, 200);
  const banner = other.getByTestId("conflict-banner");
  await expect(banner).toBeVisible({ timeout: 15_000 });
  await expect(other.getByTestId("save-status")).toHaveText("Conflict");
  await expect(banner.getByRole("button", { name: "Download my copy" })).toBeVisible();
  await banner.getByRole("button", { name: "Reload their version" }).click();
  await expect(banner).toHaveCount(0);
  await expect(node(other, "generator-1")).toBeVisible();
  await expect(node(other, "filter-1")).toHaveCount(0);
  await expect(other.getByTestId("save-status")).toHaveText("Saved");
});
