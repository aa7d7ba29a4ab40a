// Previews run in worker threads of the production web server (next build + next start): the
// expression that used to stall the server for 48 s previews at once, a preview that would run for
// minutes is stopped after 2 s with a readable error, and /api/health answers within 1 s while five
// such previews time out together.
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

test.describe.configure({ timeout: 180_000 });

const position = { x: 0, y: 0 };
const list30 = `[${Array.from({ length: 30 }, (_, i) => i + 1).join(", ")}]`;
// Under budget per event (30 x 30 comprehension steps), but 1,000 events through 20 of them take far longer than 2 s.
const slowCondition = `${list30}.all(a, ${list30}.all(b, a + b > 0))`;

function chainGraph(conditions: string[]) {
  return {
    nodes: [
      { id: "gen", type: "generator", typeVersion: 1, config: {}, position },
      ...conditions.map((condition, i) => ({
        id: `f${i}`,
        type: "filter",
        typeVersion: 1,
        config: { condition },
        position: { x: 300 * (i + 1), y: 0 },
      })),
    ],
    edges: conditions.map((_, i) => ({
      id: `e${i}`,
      source: i === 0 ? "gen" : `f${i - 1}`,
      sourcePort: "out",
      target: `f${i}`,
      targetPort: "in",
    })),
  };
}

test("hostile previews are answered or stopped in time while the web app keeps answering", async ({
  page,
  baseURL,
}) => {
  await signUp(page, uniqueEmail("hostile"));
  await createWorkspace(page, "Hostile previews");
  const workspaceUrl = page.url();
  const workspaceId = workspaceUrl.split("/w/")[1]!;
  const api = trpc(page, baseURL!);

  // The reported stall: an exponential regex on generated events. On RE2 it previews at once.
  const { id: regexPipeline } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Regex" });
  await api.call("pipeline.saveDraft", {
    workspaceId,
    pipelineId: regexPipeline,
    baseRevision: 0,
    graph: chainGraph(['event.type.matches("^(a|a)*$")']),
  });
  await page.goto(`${workspaceUrl}/p/${regexPipeline}`);
  await page.getByRole("tab", { name: "Preview" }).click();
  await page.getByLabel("Generated events").fill("200");
  await page.getByRole("button", { name: "▶ Run preview" }).click();
  await expect(page.getByText(/Ran 2 of 2 nodes/)).toBeVisible({ timeout: 15_000 });

  // A preview that would run for far longer than 2 s is stopped, and the user reads why.
  const { id: slowPipeline } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Slow" });
  const slowGraph = chainGraph(Array.from({ length: 20 }, () => slowCondition));
  await api.call("pipeline.saveDraft", { workspaceId, pipelineId: slowPipeline, baseRevision: 0, graph: slowGraph });
  await page.goto(`${workspaceUrl}/p/${slowPipeline}`);
  await page.getByRole("tab", { name: "Preview" }).click();
  await page.getByLabel("Generated events").fill("1000");
  await page.getByRole("button", { name: "▶ Run preview" }).click();
  await expect(page.getByText(/Preview failed: Preview stopped after 2 s/)).toBeVisible({ timeout: 15_000 });

  // Five at once: each answers 408 with the same message; /api/health keeps answering within 1 s.
  const origin = new URL(baseURL!).origin;
  const previews = Promise.all(
    Array.from({ length: 5 }, () =>
      page.request.post("/api/trpc/pipeline.preview", {
        data: { json: { workspaceId, graph: slowGraph, generate: { count: 1000 } } },
        headers: { origin },
        timeout: 120_000,
      }),
    ),
  );
  let done = false;
  const healthTimes: number[] = [];
  const probing = (async () => {
    while (!done) {
      const started = Date.now();
      const health = await page.request.get("/api/health", { timeout: 10_000 });
      healthTimes.push(Date.now() - started);
      expect(health.status()).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const responses = await previews;
  done = true;
  await probing;
  for (const response of responses) {
    expect(response.status()).toBe(408);
    expect(await response.text()).toContain("Preview stopped after 2 s");
  }
  expect(healthTimes.length).toBeGreaterThan(3);
  expect(Math.max(...healthTimes)).toBeLessThan(1_000);
});
