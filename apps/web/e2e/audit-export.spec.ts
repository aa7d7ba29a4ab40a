import { readFile } from "node:fs/promises";
import type { Download, Page } from "@playwright/test";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

async function downloaded(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("form", { name: "Export the audit log" }).getByRole("button", { name: button }).click(),
  ]);
  const path = await (download as Download).path();
  return { name: (download as Download).suggestedFilename(), text: await readFile(path, "utf8") };
}

test("an owner exports the audit log as CSV and JSON, filtered, and draft saves are audited once per burst", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("audit-export");
  await signUp(page, email, "Audit Owner");
  await createWorkspace(page, "Audit team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const first = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Export one" });
  await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Export two" });
  // Three autosaves in one editing burst: one audit row.
  const graph = {
    nodes: [{ id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } }],
    edges: [],
  };
  for (let revision = 0; revision < 3; revision++)
    await api.call("pipeline.saveDraft", { workspaceId, pipelineId: first.id, baseRevision: revision, graph });

  await page.goto(`/w/${workspaceId}/settings/audit`);
  await expect(page.getByTestId("audit-table")).toContainText("pipeline.saveDraft");
  await page.getByText("Export", { exact: true }).click();

  // The action filter above applies to the export.
  const table = page.getByTestId("audit-table").locator("tbody tr");
  await page
    .getByRole("search", { name: "Filter the audit log" })
    .getByLabel("Action contains")
    .fill("pipeline.create");
  await expect(table).toHaveCount(2);
  const csv = await downloaded(page, "Download CSV");
  expect(csv.name).toMatch(/^sluice-audit-.+\.csv$/);
  const lines = csv.text.trim().split("\r\n");
  expect(lines[0]).toBe(
    "id,createdAt,actorType,actorId,actorEmail,action,resourceType,resourceId,outcome,ip,userAgent,summary",
  );
  expect(lines).toHaveLength(3);
  for (const line of lines.slice(1)) expect(line).toContain(`,user,`);
  for (const line of lines.slice(1)) expect(line).toContain(`,${email},pipeline.create,pipeline,`);

  const json = await downloaded(page, "Download JSON");
  const rows = JSON.parse(json.text) as { action: string; actorEmail: string; summary: { name?: string } }[];
  expect(rows.map((r) => r.summary.name).sort()).toEqual(["Export one", "Export two"]);

  await page.getByRole("search", { name: "Filter the audit log" }).getByLabel("Action contains").fill("saveDraft");
  await expect(table).toHaveCount(1);
  const drafts = JSON.parse((await downloaded(page, "Download JSON")).text) as { action: string; resourceId: string }[];
  expect(drafts).toEqual([expect.objectContaining({ action: "pipeline.saveDraft", resourceId: first.id })]);

  // Actor and time range narrow it down: another actor, or a range in the future, match nothing.
  const exportForm = page.getByRole("form", { name: "Export the audit log" });
  await exportForm.getByLabel("Actor email").fill("someone-else@e2e.sluice.test");
  expect(JSON.parse((await downloaded(page, "Download JSON")).text)).toEqual([]);
  await exportForm.getByLabel("Actor email").fill(email);
  await exportForm.getByLabel("From").fill("2099-01-01T00:00");
  expect(JSON.parse((await downloaded(page, "Download JSON")).text)).toEqual([]);
  await exportForm.getByLabel("From").fill("2000-01-01T00:00");
  expect(JSON.parse((await downloaded(page, "Download JSON")).text)).toHaveLength(1);

  // Each export is itself recorded.
  await page.getByRole("search", { name: "Filter the audit log" }).getByLabel("Action contains").fill("audit.export");
  await expect(table).toHaveCount(6);
});
