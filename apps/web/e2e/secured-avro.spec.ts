// Issue 13's end to end: everything made by clicking. An admin adds a Kafka connection to the SASL_SSL
// broker `npm test` starts (SCRAM-SHA-512, its throwaway CA) and tests it, adds the schema registry
// (the real Apicurio), and builds in the designer kafka-source (that connection, Avro through the
// registry) → filter → map → kafka-sink (the same connection, JSON). Published and deployed with the
// buttons, it decodes the Avro records another team's producer writes over SASL_SSL in Confluent wire
// format: the live tap shows them, and every record that passes the filter comes out of the secured
// output topic decoded and mapped, with exact values.
import type { Locator, Page } from "@playwright/test";
import { type ConsumedMessage, createKafka } from "@sluice/kafka";
import { secureBroker } from "@sluice/kafka/test-support";
import avro from "avsc";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`);
const input = (page: Page, nodeId: string) =>
  page.locator(`.react-flow__handle.target[data-nodeid="${nodeId}"][data-handleid="in"]`);

async function dropFromPalette(page: Page, type: string, x: number, y: number) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
  await page.getByRole("button", { name: "Close node settings" }).click();
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

test("a pipeline made in the designer reads Avro over SASL_SSL through the registry and writes it out", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  const broker = secureBroker();
  const user = broker.users["SCRAM-SHA-512"];
  const suffix = Date.now().toString(36);
  const inTopic = `e2e-avro-clicks-${suffix}`;
  const outTopic = `e2e-avro-clicks-json-${suffix}`;
  const group = `clicks-team-${suffix}`;
  const secured = createKafka({
    brokers: [broker.brokers],
    clientId: "e2e-secured-avro",
    log: silent,
    tls: { ca: broker.ca },
    sasl: { mechanism: "SCRAM-SHA-512", ...user },
  });
  // Topics on a connection's cluster exist beforehand (the runner never creates them there).
  await secured.admin.createTopics([
    { topic: inTopic, partitions: 1 },
    { topic: outTopic, partitions: 1 },
  ]);

  // Another team's producer registered the topic's value schema (external topic: subject `<topic>-value`).
  const schema = {
    type: "record",
    name: "Click",
    fields: [
      { name: "userId", type: "string" },
      { name: "page", type: "string" },
      { name: "ctx", type: { type: "record", name: "Ctx", fields: [{ name: "ip", type: "string" }] } },
    ],
  };
  const registered = await fetch(`${registryUrl}/subjects/${encodeURIComponent(`${inTopic}-value`)}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  expect(registered.status).toBe(200);
  const { id: schemaId } = (await registered.json()) as { id: number };

  let stop: (() => Promise<unknown>) | undefined;
  try {
    await signUp(page, uniqueEmail("secured-avro"));
    await createWorkspace(page, "Secured Avro team");
    const workspaceUrl = page.url();

    // Settings → Kafka connections: the secured cluster, tested before saving (its topics listed).
    await page.goto(`${workspaceUrl}/settings/kafka-connections`);
    const form = page.getByRole("form", { name: "Add a Kafka connection" });
    await form.getByLabel("Name").fill("Secured cluster");
    await form.getByLabel("Bootstrap servers").fill(broker.brokers);
    await form.getByLabel("Security protocol").selectOption("sasl_ssl");
    await form.getByLabel("SASL mechanism").selectOption("SCRAM-SHA-512");
    await form.getByLabel("Username").fill(user.username);
    await form.getByLabel("Password").fill(user.password);
    await form.getByLabel("CA certificate (PEM, optional)").fill(broker.ca);
    await form.getByRole("button", { name: "Test connection" }).click();
    const tested = form.getByTestId("kafka-connection-test-result");
    await expect(tested).toContainText("Connected · 1 broker");
    await expect(tested.getByRole("list", { name: "Topics" })).toContainText(`${inTopic} · 1 partition`);
    await expect(tested.getByRole("list", { name: "Topics" })).toContainText(`${outTopic} · 1 partition`);
    await form.getByRole("button", { name: "Add connection" }).click();
    await expect(page.getByTestId("kafka-connection-row").filter({ hasText: "Secured cluster" })).toContainText(
      "sasl_ssl SCRAM-SHA-512",
    );

    // Settings → Schema registries: the registry, tested.
    await page.goto(`${workspaceUrl}/settings/schema-registries`);
    const registryForm = page.getByRole("form", { name: "Add a schema registry" });
    await registryForm.getByLabel("Name", { exact: true }).fill("Team registry");
    await registryForm.getByLabel("URL", { exact: true }).fill(registryUrl);
    await registryForm.getByRole("button", { name: "Add registry" }).click();
    const registryRow = page.getByTestId("schema-registry-row");
    await expect(registryRow).toContainText("Team registry");
    await registryRow.getByRole("button", { name: "Test connection" }).click();
    await expect(registryRow.getByRole("status")).toContainText("Connected:");

    // A blank pipeline, built on the canvas.
    await page.goto(workspaceUrl);
    await page.getByRole("button", { name: "New pipeline" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Secured Avro clicks");
    await page.getByRole("button", { name: "Create pipeline" }).click();
    await expect(page).toHaveURL(/\/p\/[^/]+$/);
    const [, , workspaceId, , pipelineId] = new URL(page.url()).pathname.split("/");
    stop = () => trpc(page, baseURL!).call("deployment.stop", { workspaceId, pipelineId });
    await expect(page.getByTestId("canvas-empty")).toBeVisible();
    await dropFromPalette(page, "kafka-source", 120, 160);
    await dropFromPalette(page, "filter", 420, 160);
    await dropFromPalette(page, "map", 720, 160);
    await dropFromPalette(page, "kafka-sink", 1020, 160);
    await connect(page, page.getByTestId("handle-kafka-source-1-out"), input(page, "filter-1"));
    await connect(page, page.getByTestId("handle-filter-1-out"), input(page, "map-1"));
    await connect(page, page.getByTestId("handle-map-1-out"), input(page, "kafka-sink-1"));
    await expect(page.locator(".react-flow__edge")).toHaveCount(3);

    // The source: the secured connection, its topic, Avro through the registry, from the start; the
    // message key as a field, the headers into context, and the team's own consumer group.
    await node(page, "kafka-source-1").click();
    const groupNote = page.getByTestId("consumer-group");
    await expect(groupNote).toHaveText(`Consumer group on the broker: sluice.${pipelineId}.kafka-source-1`);
    await page.getByRole("button", { name: /Advanced/ }).click();
    await page.locator("#field-kafka-source-1-keyField").fill("kafkaKey");
    await page.locator("#field-kafka-source-1-headersToContext").check();
    await page.locator("#field-kafka-source-1-consumerGroup").fill(group);
    // On Sluice's cluster a named group stays inside the workspace's namespace...
    await expect(groupNote).toHaveText(new RegExp(`^Consumer group on the broker: ws\\.[^.]+\\.${group}$`));
    await page
      .locator("#field-kafka-source-1-connectionId")
      .selectOption({ label: `Secured cluster (${broker.brokers})` });
    // ... through a connection it is exactly the name given.
    await expect(groupNote).toHaveText(`Consumer group on the broker: ${group}`);
    await page.locator("#field-kafka-source-1-topic").fill(inTopic);
    await page.locator("#field-kafka-source-1-startPosition").selectOption("earliest");
    await page.locator("#field-kafka-source-1-valueFormat").selectOption("avro");
    await page.locator("#field-kafka-source-1-registryId").selectOption({ label: "Team registry" });
    await expect(page.getByTestId("node-problems-kafka-source-1")).toHaveCount(0);
    const schemaPanel = page.getByTestId("topic-schema");
    await expect(schemaPanel).toContainText(`${inTopic}-value`);
    await expect(schemaPanel).toContainText("version 1");
    await expect(schemaPanel.getByRole("list", { name: "Schema fields" })).toContainText("ctx.ip");
    await schemaPanel.getByRole("button", { name: "Use the schema's fields" }).click();
    await expect(schemaPanel.getByRole("button", { name: "Schema fields in use" })).toBeDisabled();

    // Keep the pricing page's clicks, and label each with its user and address.
    await node(page, "filter-1").click();
    await page.locator("#field-filter-1-condition").fill('event.page == "/pricing"');
    await expect(page.getByTestId("node-problems-filter-1")).toHaveCount(0);
    await node(page, "map-1").click();
    await page.getByRole("button", { name: "+ Add item" }).click();
    await page.locator("#field-map-1-assignments_0_target").fill("label");
    await page.locator("#field-map-1-assignments_0_expression").fill('event.userId + "@" + event.ctx.ip');
    await expect(page.getByTestId("node-problems-map-1")).toHaveCount(0);

    // The sink: JSON to the output topic on the same secured connection.
    await node(page, "kafka-sink-1").click();
    await page
      .locator("#field-kafka-sink-1-connectionId")
      .selectOption({ label: `Secured cluster (${broker.brokers})` });
    await page.locator("#field-kafka-sink-1-topic").fill(outTopic);
    await page.getByRole("button", { name: "Close node settings" }).click();
    await expect(page.locator('[data-severity="error"]')).toHaveCount(0);

    await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
    await expect(page.getByText(/Published version 1/)).toBeVisible();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
    await expect(page.getByTestId("deployment-status")).toContainText("running", { timeout: 90_000 });

    // The live tap on the map's output; another team's producer writes Avro over SASL_SSL, in the
    // Confluent wire format (magic byte 0, the schema id, the Avro body).
    await page.goto(`/w/${workspaceId}/monitor/${pipelineId}/tap?node=map-1&port=out`);
    const type = avro.Type.forSchema(schema as avro.Schema);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    const producer = secured.producer();
    const sent: { userId: string; page: string; ctx: { ip: string } }[] = [];
    const events = page.getByTestId("tap-event");
    try {
      // Two records (a pricing click, a home click) every 300 ms until the tap shows one, 60 s at most.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await events.count()) === 0) {
        const batch = [0, 1].map((k) => ({
          userId: `u${sent.length + k}`,
          page: k === 0 ? "/pricing" : "/home",
          ctx: { ip: `203.0.113.${sent.length + k}` },
        }));
        await producer.send(
          batch.map((click) => ({
            topic: inTopic,
            key: click.userId,
            value: Buffer.concat([header, type.toBuffer(click)]),
            headers: { tenant: "acme" },
          })),
        );
        sent.push(...batch);
        await page.waitForTimeout(300);
      }
    } finally {
      await producer.close();
    }
    const first = events.first().getByTestId("json-view");
    await expect(first).toContainText('"/pricing"');
    await expect(first).toContainText("@203.0.113.");

    // Every pricing click comes out of the secured topic as JSON, decoded and labelled; no home click does.
    const expected = sent.filter((c) => c.page === "/pricing").map((c) => ({ ...c, label: `${c.userId}@${c.ctx.ip}` }));
    const received: ConsumedMessage[] = [];
    const reader = secured.consumer({
      groupId: `e2e-secured-avro-reader-${suffix}`,
      topics: [outTopic],
      fetch: { maxWaitMs: 100 },
    });
    await reader.start({
      onMessage: (m) => received.push(m),
      onError: (e) => {
        throw e;
      },
    });
    try {
      await expect.poll(() => received.length, { timeout: 45_000 }).toBe(expected.length);
      await page.waitForTimeout(1_000);
    } finally {
      await reader.close();
    }
    const out = received.map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>);
    expect(out.map((e) => ({ userId: e["userId"], page: e["page"], ctx: e["ctx"], label: e["label"] }))).toEqual(
      expected,
    );
    // The key and headers came along, and the team's tooling sees the group it named.
    expect(out.map((e) => [e["kafkaKey"], e["context"]])).toEqual(
      expected.map((c) => [c.userId, { headers: { tenant: "acme" } }]),
    );
    await expect
      .poll(async () => (await secured.admin.committedOffsets(group, [inTopic])).length, { timeout: 15_000 })
      .toBe(1);
  } finally {
    await stop?.().catch(() => undefined);
    await secured.admin.deleteTopics([inTopic, outTopic]).catch(() => undefined);
    await secured.close();
  }
});
