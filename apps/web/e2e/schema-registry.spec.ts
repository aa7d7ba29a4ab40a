import type { Page } from "@playwright/test";
import avro from "avsc";
import { Kafka, logLevel } from "kafkajs";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// A real Confluent-compatible registry (Apicurio, started by `npm test`): an admin adds it under
// Settings, tests it, and the designer shows a topic's latest Avro schema on a kafka-source whose
// fields then drive the field checks downstream. Published and deployed with the real buttons, the
// pipeline decodes Avro records another producer writes (kafkajs + avsc, Confluent framing): the live
// tap shows them as JSON.
const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);

test("a kafka-source reading Avro shows the topic's schema, offers its fields, and decodes records once deployed", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(180_000);
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
  const schema = {
    type: "record",
    name: "Click",
    fields: [
      { name: "userId", type: "string" },
      { name: "page", type: "string" },
      { name: "ctx", type: { type: "record", name: "Ctx", fields: [{ name: "ip", type: "string" }] } },
    ],
  };
  const registered = await fetch(
    `${registryUrl}/subjects/${encodeURIComponent(`ws.${slug}.${topic}-value`)}/versions`,
    {
      method: "POST",
      headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    },
  );
  expect(registered.status).toBe(200);
  const { id: schemaId } = (await registered.json()) as { id: number };
  const kafka = new Kafka({
    clientId: "e2e-avro-producer",
    brokers: (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `ws.${slug}.${topic}`, numPartitions: 1 }] });
  await admin.disconnect();

  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Avro clicks" });
  const position = (x: number) => ({ x, y: 0 });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        {
          id: "src",
          type: "kafka-source",
          typeVersion: 1,
          config: { topic, startPosition: "earliest" },
          position: position(0),
        },
        {
          id: "keep",
          type: "filter",
          typeVersion: 1,
          config: { condition: "event.pgae != ''" },
          position: position(300),
        },
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

  // Publish and deploy with the real buttons, then another team's producer writes Avro records.
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText(/Published version 1/)).toBeVisible();
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
  await expect(page.getByTestId("deployment-status")).toContainText("running", { timeout: 90_000 });

  await page.goto(`/w/${workspaceId}/monitor/${pipelineId}/tap?node=src&port=out`);
  const type = avro.Type.forSchema(schema as avro.Schema);
  const producer = kafka.producer();
  await producer.connect();
  const events = page.getByTestId("tap-event");
  try {
    // A record every 300 ms until the tap shows one (the tap samples live traffic), 60 s at most.
    let sent = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await events.count()) === 0) {
      const payload = type.toBuffer({ userId: `u${sent}`, page: "/pricing", ctx: { ip: "203.0.113.7" } });
      const header = Buffer.alloc(5);
      header.writeUInt32BE(schemaId, 1);
      await producer.send({ topic: `ws.${slug}.${topic}`, messages: [{ value: Buffer.concat([header, payload]) }] });
      sent++;
      await page.waitForTimeout(300);
    }
    await expect(events.first().getByTestId("json-view")).toContainText('"/pricing"');
    await expect(events.first().getByTestId("json-view")).toContainText("203.0.113.7");
  } finally {
    await producer.disconnect();
    await call("deployment.stop", { workspaceId, pipelineId });
  }
});
