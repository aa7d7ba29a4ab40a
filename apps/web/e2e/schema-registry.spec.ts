import type { Page } from "@playwright/test";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// A real Confluent-compatible registry (Apicurio, started by `npm test`): an admin adds it under
// Settings, tests it, and the designer shows a topic's latest Avro schema on a kafka-source whose
// fields then drive the field checks downstream.
const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

test("a kafka-source reading Avro shows the topic's schema and offers its fields", async ({ page, baseURL }) => {
  await signUp(page, uniqueEmail("registry"));
  await createWorkspace(page, "Registry team");
  const workspaceUrl = page.url();
  const workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;

  await page.goto(`${workspaceUrl}/settings/schema-registries`);
  const form = page.getByRole("form", { name: "Add a schema registry" });
  await form.getByLabel("Name", { exact: true }).fill("Team registry");
  await form.getByLabel("URL", { exact: true }).fill(registryUrl);
  await form.getByRole("button", { name: "Add registry" }).click();
  const row = page.getByTestId("schema-registry-row");
  await expect(row).toContainText("Team registry");
  await row.getByRole("button", { name: "Test connection" }).click();
  await expect(row.getByRole("status")).toContainText("Connected:");

  // Another team's producer registered the topic's value schema.
  const { call, query } = trpc(page, baseURL!);
  const { slug } = await query<{ slug: string }>("workspace.get", { workspaceId });
  const topic = `clicks-${Date.now().toString(36)}`;
  const schema = { type: "record", name: "Click", fields: [{ name: "userId", type: "string" }, { name: "page", type: "string" }, { name: "ctx", type: { type: "record", name: "Ctx", fields: [{ name: "ip", type: "string" }] } }] };
  const registered = await fetch(`${registryUrl}/subjects/${encodeURIComponent(`ws.${slug}.${topic}-value`)}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  expect(registered.status).toBe(200);

  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Avro clicks" });
  const position = (x: number) => ({ x, y: 0 });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        { id: "src", type: "kafka-source", typeVersion: 1, config: { topic, startPosition: "earliest" }, position: position(0) },
        { id: "keep", type: "filter", typeVersion: 1, config: { condition: "event.pgae != ''" }, position: position(300) },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "clicks-json" }, position: position(600) },
      ],
      edges: [
        { id: "e1", source: "src", sourcePort: "out", target: "keep", targetPort: "in" },
        { id: "e2", source: "keep", sourcePort: "out", target: "out", targetPort: "in" },
      ],
    },
  });

  await page.goto(`${workspaceUrl}/p/${pipelineId}`);
  // JSON topic of unknown shape: nothing to check the filter's field against.
  await expect(page.getByTestId("node-problems-keep")).toHaveCount(0);
  await node(page, "src").click();
  await page.locator("#field-src-valueFormat").selectOption("avro");
  await expect(page.getByTestId("node-problems-src")).toHaveAttribute("data-severity", "error");
  await page.locator("#field-src-registryId").selectOption({ label: "Team registry" });
  await expect(page.getByTestId("node-problems-src")).toHaveCount(0);

  const panel = page.getByTestId("topic-schema");
  await expect(panel).toContainText(`ws.${slug}.${topic}-value`);
  await expect(panel).toContainText("version 1");
  await expect(panel.getByRole("list", { name: "Schema fields" })).toContainText("ctx.ip");
  await panel.getByRole("button", { name: "Use the schema's fields" }).click();
  await expect(panel.getByRole("button", { name: "Schema fields in use" })).toBeDisabled();

  // The schema names the fields now: the filter's misspelt one is flagged, the right one is not.
  await expect(page.getByTestId("node-problems-keep")).toHaveAttribute("data-severity", "warning");
  await node(page, "keep").click();
  await expect(page.getByTestId("inspector")).toContainText("pgae");
  await page.locator("#field-keep-condition").fill("event.page != ''");
  await expect(page.getByTestId("node-problems-keep")).toHaveCount(0);
});
