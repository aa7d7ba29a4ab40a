import { createWorkspace, expect, signUp, test, uniqueEmail } from "./helpers";

// The whole loop: publish and deploy a generator pipeline, the real runner runs it, and the dashboard
// shows live numbers (SSE) and history charts with data points.
test("a deployed pipeline shows live rates and charts on its dashboard", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("monitor"));
  await createWorkspace(page, "Monitoring team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const headers = { origin: new URL(baseURL!).origin };
  const call = async <T>(path: string, input: unknown): Promise<T> => {
    const res = await page.request.post(`/api/trpc/${path}`, { data: { json: input }, headers });
    expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
    return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
  };
  const topic = `e2e-monitor-${Date.now().toString(36)}`;
  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: "Live clicks" });
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: { eventsPerSecond: 40, users: 50 }, position: { x: 0, y: 0 } },
        { id: "clicks", type: "filter", typeVersion: 1, config: { condition: 'event.type != ""' }, position: { x: 300, y: 0 } },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic }, position: { x: 600, y: 0 } },
      ],
      edges: [
        { id: "e1", source: "gen", sourcePort: "out", target: "clicks", targetPort: "in" },
        { id: "e2", source: "clicks", sourcePort: "out", target: "out", targetPort: "in" },
      ],
    },
  });
  const version = await call<{ id: string }>("version.publish", { workspaceId, pipelineId, message: "e2e", baseRevision: 1 });
  await call("deployment.deploy", { workspaceId, pipelineId, versionId: version.id });

  await page.goto(`/w/${workspaceId}/monitor/${pipelineId}`);
  await expect(page.getByTestId("deployment-status")).toHaveText("running", { timeout: 30_000 });
  const rate = page.getByTestId("live-node-clicks").getByTestId("rate-in");
  await expect(rate).not.toHaveText(/^(–|0)$/, { timeout: 30_000 });
  await expect(page.getByTestId("chart-throughput").locator("path.recharts-curve").first()).toBeVisible({ timeout: 30_000 });

  await call("deployment.stop", { workspaceId, pipelineId });
});
