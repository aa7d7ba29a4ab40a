import type { Page } from "@playwright/test";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// The designer shows the Parquet columns an object-storage sink will write and where each type comes
// from; changing the window upstream (count -> avg) retypes the column as the user edits.
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

test("an s3-sink's Parquet columns are typed from the window upstream, and follow its edits", async ({
  page,
  baseURL,
}) => {
  await signUp(page, uniqueEmail("lake"));
  await createWorkspace(page, "Lake team");
  const workspaceUrl = page.url();
  const workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;
  const { call } = trpc(page, baseURL!);
  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Lake" });
  const at = (x: number) => ({ x, y: 0 });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: {}, position: at(0) },
        {
          id: "agg",
          type: "window",
          typeVersion: 1,
          config: {
            size: "1m",
            groupBy: [{ name: "eventType", expression: "event.type" }],
            aggregations: [{ name: "amount", function: "count" }],
          },
          position: at(300),
        },
        {
          id: "lake",
          type: "s3-sink",
          typeVersion: 2,
          config: { bucket: "analytics-lake", format: "parquet" },
          position: at(600),
        },
      ],
      edges: [
        { id: "e1", source: "gen", sourcePort: "out", target: "agg", targetPort: "in" },
        { id: "e2", source: "agg", sourcePort: "out", target: "lake", targetPort: "in" },
      ],
    },
  });

  await page.goto(`${workspaceUrl}/p/${pipelineId}`);
  await node(page, "lake").click();
  const columns = page.getByTestId("parquet-columns");
  const row = (name: string) => columns.getByRole("row").filter({ hasText: name });
  await expect(row("windowStart")).toContainText("timestamp");
  await expect(row("eventType")).toContainText("string from event envelope");
  await expect(row("amount")).toContainText("int64");
  await expect(row("amount")).toContainText("integer from window count");

  await node(page, "agg").click();
  await page.locator("#field-agg-aggregations_0_function").selectOption("avg");
  await page.locator("#field-agg-aggregations_0_field").fill("props.amount");
  // The open inspector covers the sink: close it, then select the sink again.
  await page.getByRole("button", { name: "Close node settings" }).click();
  await node(page, "lake").click();
  await expect(row("amount")).toContainText("double");
  await expect(row("amount")).toContainText("number from window avg");
});
