import type { Page } from "@playwright/test";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

test.describe.configure({ timeout: 180_000 });

/** Drags a node type from the palette onto the canvas, like a user (the new node ends up selected). */
async function drop(page: Page, type: string, x: number, y: number) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

/** Drops a generator and a filter; autosave has not fired yet when this returns, so only leaving can save them. */
async function dropTwoAndStayUnsaved(page: Page) {
  await expect(page.getByTestId("canvas-empty")).toBeVisible();
  await drop(page, "generator", 200, 200);
  await drop(page, "filter", 650, 200);
  await expect(page.getByTestId("save-status")).toHaveText("Unsaved");
}

async function expectBothNodes(page: Page) {
  await expect(node(page, "generator-1")).toBeVisible({ timeout: 20_000 });
  await expect(node(page, "filter-1")).toBeVisible();
  await expect(page.getByTestId("save-status")).toHaveText("Saved");
}

test("edits made right before leaving survive the back arrow, a reload and closing the tab", async ({
  page,
  context,
  baseURL,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("durable"));
  await createWorkspace(page, "Durable team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const { call } = trpc(page, baseURL!);
  // Nothing may ask "leave this page?": every flush here can complete.
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.type());
    void dialog.accept();
  });

  // The editor's back arrow right after the drops; reopened from the list in the same tab.
  const { id: backId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Back arrow" });
  await page.goto(`/w/${workspaceId}/p/${backId}`);
  await dropTwoAndStayUnsaved(page);
  await page.getByRole("link", { name: "Back to pipelines" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${workspaceId}$`));
  await page.getByRole("link", { name: "Open Back arrow" }).click();
  await expectBothNodes(page);

  // A reload right after the drops.
  const { id: reloadId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Reload" });
  await page.goto(`/w/${workspaceId}/p/${reloadId}`);
  await dropTwoAndStayUnsaved(page);
  await page.reload();
  await expectBothNodes(page);
  expect(dialogs).toEqual([]);

  // Closing the tab right after the drops (beforeunload and pagehide run), reopened in a new tab.
  const { id: closeId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Close" });
  await page.goto(`/w/${workspaceId}/p/${closeId}`);
  await dropTwoAndStayUnsaved(page);
  const closed = page.waitForEvent("close");
  await page.close({ runBeforeUnload: true });
  await closed;
  expect(dialogs).toEqual([]);
  const again = await context.newPage();
  await again.setViewportSize({ width: 1600, height: 1000 });
  await again.goto(`/w/${workspaceId}/p/${closeId}`);
  await expectBothNodes(again);
});

test("leaving with edits that cannot be saved (a conflict) asks first", async ({ page, baseURL }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("durable-conflict"));
  await createWorkspace(page, "Conflict team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const { call } = trpc(page, baseURL!);
  const { id } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Contended" });
  await page.goto(`/w/${workspaceId}/p/${id}`);
  await expect(page.getByTestId("canvas-empty")).toBeVisible();
  // Someone else saves first (same account, another tab's revision).
  await call("pipeline.saveDraft", { workspaceId, pipelineId: id, baseRevision: 0, graph: { nodes: [], edges: [] } });
  await drop(page, "generator", 200, 200);
  await expect(page.getByTestId("conflict-banner")).toBeVisible({ timeout: 15_000 });
  // The back arrow asks before dropping the edit; staying keeps it.
  const confirmed = page.waitForEvent("dialog");
  // The click returns only once the dialog is answered.
  const clicked = page.getByRole("link", { name: "Back to pipelines" }).click();
  const confirm = await confirmed;
  expect(confirm.type()).toBe("confirm");
  await confirm.dismiss();
  await clicked;
  await expect(node(page, "generator-1")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/p/${id}$`));
  // So does closing the tab.
  const asked = page.waitForEvent("dialog");
  await page.close({ runBeforeUnload: true });
  const dialog = await asked;
  expect(dialog.type()).toBe("beforeunload");
  await dialog.dismiss();
  // Staying keeps the local edit and the banner's way out.
  await expect(node(page, "generator-1")).toBeVisible();
  await expect(page.getByRole("button", { name: "Download my copy" })).toBeVisible();
});

test("the editor reopens a pipeline where the user left it, and the header names the current workspace", async ({
  page,
  baseURL,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("view"));
  await createWorkspace(page, "Viewport team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const picked = page.locator("#workspace-switcher option:checked");
  await expect(picked).toHaveText(/Viewport team/);
  // Even the first paint, before the workspace list has loaded, does not ask to select one.
  const firstPaint = await (await page.request.get(`/w/${workspaceId}`)).text();
  expect(firstPaint).toContain('id="workspace-switcher"');
  expect(firstPaint).not.toContain("Select a workspace");
  await expect(page.locator("#workspace-switcher")).toHaveValue(workspaceId);

  const { call } = trpc(page, baseURL!);
  const { id } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Where I was" });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId: id,
    baseRevision: 0,
    graph: {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: { eventsPerSecond: 5 }, position: { x: 0, y: 0 } },
        { id: "keep", type: "filter", typeVersion: 1, config: { condition: "true" }, position: { x: 400, y: 0 } },
      ],
      edges: [{ id: "e1", source: "gen", sourcePort: "out", target: "keep", targetPort: "in" }],
    },
  });
  await page.reload();
  await expect(picked).toHaveText(/Viewport team/);

  await page.getByRole("link", { name: "Open Where I was" }).click();
  await expect(node(page, "keep")).toBeVisible();
  const viewport = page.locator(".react-flow__viewport");
  const fitted = await viewport.getAttribute("style");
  await page.getByRole("button", { name: "Zoom In" }).click();
  await page.getByRole("button", { name: "Zoom In" }).click();
  await expect.poll(() => viewport.getAttribute("style")).not.toBe(fitted);
  await node(page, "keep").click();
  await expect(page.getByRole("button", { name: "Close node settings" })).toBeVisible();
  const before = transformOf((await viewport.getAttribute("style"))!);

  // Back to the list (the picker still names the workspace), then reopen after a full reload.
  await page.getByRole("link", { name: "Back to pipelines" }).click();
  await expect(picked).toHaveText(/Viewport team/);
  await page.reload();
  await expect(picked).toHaveText(/Viewport team/);
  await page.getByRole("link", { name: "Open Where I was" }).click();
  await expect(node(page, "keep")).toBeVisible();
  await expect(node(page, "keep").locator("xpath=..")).toHaveClass(/selected/);
  await expect(page.getByRole("button", { name: "Close node settings" })).toBeVisible();
  const after = transformOf((await viewport.getAttribute("style"))!);
  expect(Math.abs(after.x - before.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(1);
  expect(Math.abs(after.zoom - before.zoom)).toBeLessThanOrEqual(0.01);
});

function transformOf(style: string): { x: number; y: number; zoom: number } {
  const m = /translate\(([-\d.]+)px, ([-\d.]+)px\) scale\(([-\d.]+)\)/.exec(style);
  expect(m, style).not.toBeNull();
  return { x: Number(m![1]), y: Number(m![2]), zoom: Number(m![3]) };
}
