import { createWorkspace, deployGeneratorPipeline, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

// The node drawer of a running pipeline shows its inputs' lag per partition and how evenly events
// spread over them; the edge labels stay readable (above the nodes) and the minimap leaves the nodes.
test("the node drawer shows per-partition lag and flags the hot partition of a skewed key", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  await signUp(page, uniqueEmail("drawer"));
  await createWorkspace(page, "Partition team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const pipelineId = await deployGeneratorPipeline(api, workspaceId, {
    name: "Partitioned clicks",
    eventsPerSecond: 40,
    middle: { id: "clicks", type: "filter", config: { condition: 'event.type != ""' } },
    topic: `e2e-drawer-${Date.now().toString(36)}`,
    // One user: every event has the same key, so one partition takes them all.
    users: 1,
  });

  try {
    await page.goto(`/w/${workspaceId}/p/${pipelineId}`);
    const label = page.getByTestId("edge-live-e1");
    await expect(label.getByTestId("edge-rate")).not.toHaveText(/^(–|0)\/s$/, { timeout: 45_000 });
    // The label is on top where it is drawn, not under a node.
    const box = (await label.boundingBox())!;
    const onTop = await page.evaluate(
      ({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-testid='edge-live-e1']") !== null,
      { x: box.x + box.width / 2, y: box.y + box.height / 2 },
    );
    expect(onTop).toBe(true);

    await page.getByRole("button", { name: "Monitor" }).click();
    await page.getByTestId("node-clicks").click();
    const drawer = page.getByTestId("node-drawer");
    await expect(drawer).toBeVisible();
    const input = drawer.getByTestId("input-partitions-e1");
    await expect(input).toContainText("gen.out");
    const rows = input.getByTestId("partition-row");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect(rows.first()).toContainText(/^\s*0/);
    const share = input.getByTestId("hot-partition-share");
    await expect(share).toHaveText(
      /Busiest partition: \d+% of the last second's events \(even spread: \d+%\): a hot key/,
      { timeout: 20_000 },
    );
    await expect(share).toHaveAttribute("data-skewed", "true");

    // The minimap moved off to the top corner, clear of every node.
    const minimap = (await page.locator(".react-flow__minimap").boundingBox())!;
    for (const id of ["gen", "clicks", "out"]) {
      const n = await page.getByTestId(`node-${id}`).boundingBox();
      if (!n) continue;
      const overlaps =
        n.x < minimap.x + minimap.width &&
        minimap.x < n.x + n.width &&
        n.y < minimap.y + minimap.height &&
        minimap.y < n.y + n.height;
      expect(overlaps, `minimap over node ${id}`).toBe(false);
    }

    // The sink's input is fused into the filter's step: no topic, said so.
    await page.getByRole("button", { name: "Close details" }).click();
    await page.getByTestId("node-out").click();
    await expect(page.getByTestId("node-drawer").getByTestId("input-fused-e2")).toContainText("fused");
  } finally {
    await api.call("deployment.stop", { workspaceId, pipelineId });
  }
});
