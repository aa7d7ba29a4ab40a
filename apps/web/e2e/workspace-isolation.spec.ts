import type { Page } from "@playwright/test";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

test("an admin registers a Kafka connection; the designer flags another workspace's topic on the node until it is fixed", async ({
  page,
  baseURL,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("isolation"));
  await createWorkspace(page, "Isolation team");
  const workspaceUrl = page.url();
  const workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;

  // Settings → Kafka connections: brokers and protocol; SASL would ask for credentials.
  await page.goto(`${workspaceUrl}/settings/kafka-connections`);
  const form = page.getByRole("form", { name: "Add a Kafka connection" });
  await form.getByLabel("Name").fill("Partner cluster");
  await form.getByLabel("Bootstrap servers").fill("partner-kafka.example.com:9092");
  await form.getByLabel("Security protocol").selectOption("sasl_ssl");
  await expect(form.getByLabel("Password")).toBeVisible();
  await form.getByLabel("Security protocol").selectOption("plaintext");
  await expect(form.getByLabel("Password")).toHaveCount(0);
  await form.getByRole("button", { name: "Add connection" }).click();
  await expect(page.getByTestId("kafka-connection-row")).toContainText("partner-kafka.example.com:9092");

  // A pipeline whose sink names another workspace's namespace.
  const { call } = trpc(page, baseURL!);
  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Borrowed topic" });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: "out",
          type: "kafka-sink",
          typeVersion: 1,
          config: { topic: "ws.other-team.orders" },
          position: { x: 400, y: 0 },
        },
      ],
      edges: [{ id: "e1", source: "gen", sourcePort: "out", target: "out", targetPort: "in" }],
    },
  });
  await page.goto(`${workspaceUrl}/p/${pipelineId}`);
  await expect(page.getByTestId("node-problems-out")).toHaveAttribute("data-severity", "error");
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeDisabled();
  await node(page, "out").click();
  await expect(page.getByTestId("field-error").first()).toContainText("workspace namespaces");

  // Just the name: this workspace's namespace. Then the same name through the registered connection.
  await page.locator("#field-out-topic").fill("orders");
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await page
    .locator("#field-out-connectionId")
    .selectOption({ label: "Partner cluster (partner-kafka.example.com:9092)" });
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeEnabled();
});
