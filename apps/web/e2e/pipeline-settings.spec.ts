import { createWorkspace, expect, signUp, test, uniqueEmail } from "./helpers";

test("an editor sets a pipeline's partitions and retention; bad input is refused with the reason", async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("settings"));
  await createWorkspace(page, "Settings team");
  await page.getByRole("button", { name: "New pipeline" }).first().click();
  await page.getByLabel("Name").fill("Clickstream");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);

  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Pipeline settings" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Partitions").fill("0");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByText("At least 1 partition")).toBeVisible();

  await dialog.getByLabel("Partitions").fill("3");
  await dialog.getByLabel("Retention (hours)").fill("48");
  await dialog.getByLabel("Batch size (records)").fill("200");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Settings saved; they apply on the next deploy")).toBeVisible();

  await page.reload();
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  await expect(dialog.getByLabel("Partitions")).toHaveValue("3");
  await expect(dialog.getByLabel("Retention (hours)")).toHaveValue("48");
  await expect(dialog.getByLabel("Batch size (records)")).toHaveValue("200");
  await expect(dialog.getByLabel("Replication factor")).toHaveValue("");
});
