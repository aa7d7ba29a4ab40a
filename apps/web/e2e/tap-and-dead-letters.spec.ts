import { createWorkspace, deployGeneratorPipeline, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// The live tap of a running generator pipeline shows sampled events (pause holds the list, the edge
// picker switches to a fused edge), and a dead letter replayed from the inbox leaves the waiting list
// and is labelled "replayed".
test("live tap shows events of a running pipeline; a dead letter is replayed from the inbox", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("tap"));
  await createWorkspace(page, "Tap team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const { call, query } = api;
  const topic = `e2e-tap-${Date.now().toString(36)}`;
  // Events without props.amount (page views, clicks) make this condition fail: dead letters.
  const pipelineId = await deployGeneratorPipeline(api, workspaceId, {
    name: "Tapped clicks",
    eventsPerSecond: 20,
    middle: { id: "big", type: "filter", config: { condition: "event.props.amount > 10" } },
    topic,
  });

  try {
    await page.goto(`/w/${workspaceId}/monitor/${pipelineId}/tap?node=gen&port=out`);
    await expect(page.getByTestId("tap-edge")).toHaveValue("e1");
    const events = page.getByTestId("tap-event");
    await expect(events.first()).toBeVisible({ timeout: 45_000 });
    await expect(events.first().getByTestId("json-view")).toContainText('"type"');
    // The owner sees raw values; the list is bounded and newest first.
    await expect(page.getByText("You see raw values.")).toBeVisible();

    await page.getByTestId("tap-pause").click();
    await expect(page.getByTestId("tap-status")).toContainText("Paused");
    const held = await page.getByTestId("tap-count").textContent();
    await page.waitForTimeout(1500);
    await expect(page.getByTestId("tap-count")).toHaveText(held!);

    // Another edge: the fused one after the filter (purchases and carts pass it).
    await page.getByTestId("tap-pause").click();
    await page.getByTestId("tap-edge").selectOption("e2");
    await expect(page).toHaveURL(/node=big&port=out/);
    await expect(events.first()).toBeVisible({ timeout: 45_000 });
  } finally {
    // Stopped, so no new dead letters arrive while the inbox is checked.
    await call("deployment.stop", { workspaceId, pipelineId });
  }

  await expect
    .poll(async () => (await query<{ items: unknown[] }>("dlq.list", { workspaceId, pipelineId })).items.length, {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  await page.goto(`/w/${workspaceId}/monitor/${pipelineId}/dead-letters?node=big`);
  await expect(page.getByTestId("dlq-group").first()).toContainText("expression");
  await expect(page.getByTestId("dlq-stopped-warning")).toBeVisible({ timeout: 15_000 });
  const first = page.getByTestId("dlq-item").first();
  // Its place in the dead-letter topic ("DLQ p<partition> @<offset>") identifies it.
  const where = (await first.locator("div", { hasText: /^DLQ p\d+ @\d+$/ }).textContent())!;
  const same = page
    .getByTestId("dlq-item")
    .filter({ has: page.locator("div").filter({ hasText: new RegExp(`^${where}$`) }) });
  await expect(same).toHaveCount(1);
  await first.getByRole("checkbox").check();
  await page.getByTestId("dlq-replay-selected").click();
  await page.getByRole("dialog").getByRole("button", { name: "Replay" }).click();
  await expect(page.getByText(/1 dead letter replayed/)).toBeVisible();
  await expect(same).toHaveCount(0);
  await page.getByLabel("Show replayed and discarded").check();
  await expect(same.getByTestId("dlq-handled")).toHaveText("replayed");
});
