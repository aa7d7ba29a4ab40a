import { createWorkspace, deployGeneratorPipeline, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// The whole loop: publish and deploy a generator pipeline, the real runner runs it, and the dashboard
// shows live numbers (SSE) and history charts with data points.
test("a deployed pipeline shows live rates and charts on its dashboard", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("monitor"));
  await createWorkspace(page, "Monitoring team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const { call } = api;
  const topic = `e2e-monitor-${Date.now().toString(36)}`;
  const pipelineId = await deployGeneratorPipeline(api, workspaceId, {
    name: "Live clicks",
    eventsPerSecond: 40,
    middle: { id: "clicks", type: "filter", config: { condition: 'event.type != ""' } },
    topic,
  });

  await page.goto(`/w/${workspaceId}/monitor/${pipelineId}`);
  await expect(page.getByTestId("deployment-status")).toHaveText("running", { timeout: 30_000 });
  const rate = page.getByTestId("live-node-clicks").getByTestId("rate-in");
  await expect(rate).not.toHaveText(/^(–|0)$/, { timeout: 30_000 });
  await expect(page.getByTestId("chart-throughput").locator("path.recharts-curve").first()).toBeVisible({
    timeout: 30_000,
  });

  await call("deployment.stop", { workspaceId, pipelineId });
});

// Live on the canvas: edge labels with rates and lag, node figures, the hover chart and the node's
// detail drawer; the workspace health page lists the pipeline; an alert rule made in the UI fires
// and rings the bell and raises the pipeline's banner, live (alert.live over SSE).
test("a running pipeline is live on its canvas, on the health page, and its alerts ring the bell", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("canvas-live"));
  await createWorkspace(page, "Live canvas team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const { call } = api;
  const topic = `e2e-canvas-${Date.now().toString(36)}`;
  const pipelineId = await deployGeneratorPipeline(api, workspaceId, {
    name: "Canvas clicks",
    eventsPerSecond: 40,
    middle: { id: "clicks", type: "filter", config: { condition: 'event.type != ""' } },
    topic,
  });

  try {
    await page.goto(`/w/${workspaceId}/p/${pipelineId}`);
    // The topic edge after the generator: a non-zero rate and its lag; the fused edge: a rate, no lag.
    const topicEdge = page.getByTestId("edge-live-e1");
    await expect(topicEdge.getByTestId("edge-rate")).not.toHaveText(/^(–|0)\/s$/, { timeout: 45_000 });
    await expect(topicEdge.getByTestId("edge-lag")).toContainText("lag");
    await expect(topicEdge.getByRole("link", { name: "Live tap of gen out" })).toHaveAttribute(
      "href",
      `/w/${workspaceId}/monitor/${pipelineId}/tap?node=gen&port=out`,
    );
    const fused = page.getByTestId("edge-live-e2");
    await expect(fused).toContainText("fused");
    await expect(fused.getByTestId("edge-rate")).not.toHaveText(/^(–|0)\/s$/);
    // The labels keep updating: the rate text changes within a few snapshots.
    const before = await topicEdge.textContent();
    await expect.poll(async () => topicEdge.textContent(), { timeout: 15_000 }).not.toBe(before);

    const clicks = page.getByTestId("node-live-clicks");
    await expect(clicks).toHaveAttribute("data-status", "running");
    await expect(clicks.getByTestId("node-rate-in")).not.toHaveText(/^(–|0)\/s$/);
    await page.getByTestId("node-clicks").hover();
    await expect(page.getByTestId("node-minichart-clicks").locator("path.recharts-curve").first()).toBeVisible();

    // Monitor mode: a click on the node opens its drawer (the inspector stays closed).
    await page.getByRole("button", { name: "Monitor" }).click();
    await page.getByTestId("node-clicks").click();
    const drawer = page.getByTestId("node-drawer");
    await expect(drawer).toBeVisible();
    await expect(drawer.getByTestId("node-drawer-status")).toHaveText("running");
    await expect(drawer.getByTestId("drawer-chart-rates").locator("path.recharts-curve").first()).toBeVisible();
    await expect(drawer.getByRole("link", { name: /Dead letters/ })).toHaveAttribute(
      "href",
      `/w/${workspaceId}/monitor/${pipelineId}/dead-letters?node=clicks`,
    );

    // The workspace health page lists it with live figures.
    await page.goto(`/w/${workspaceId}/monitor`);
    const row = page.getByTestId(`health-row-${pipelineId}`);
    await expect(row).toContainText("Canvas clicks");
    await expect(row).toContainText("running");
    await expect(row.getByTestId("health-in")).not.toHaveText(/^(–|0\/s)$/, { timeout: 15_000 });

    // An alert rule that must fire: sources below a million events/s for 2 s.
    await page.goto(`/w/${workspaceId}/monitor/${pipelineId}`);
    await page.getByRole("button", { name: "New rule" }).click();
    await page.getByLabel("Name").fill("Stalled source");
    await page.getByLabel("Condition").selectOption("throughput_below");
    await page.getByLabel("Threshold (/s)").fill("1000000");
    await page.getByLabel("For at least (seconds)").fill("2");
    await page.getByRole("button", { name: "Create rule" }).click();
    await expect(page.getByTestId("alert-rule-Stalled source")).toContainText("enabled");
    await expect(page.getByTestId("alert-bell-count")).toHaveText("1", { timeout: 30_000 });
    await expect(page.getByTestId("alert-banner")).toContainText("Stalled source");
    await page.getByTestId("alert-bell").click();
    await expect(page.getByTestId("alert-bell-list")).toContainText("Canvas clicks: Stalled source");
    await expect(page.getByTestId("alert-history")).toContainText("firing");
    await page.goto(`/w/${workspaceId}/p/${pipelineId}`);
    await expect(page.getByTestId("alert-banner")).toContainText("Stalled source");
  } finally {
    await call("deployment.stop", { workspaceId, pipelineId });
  }
});
