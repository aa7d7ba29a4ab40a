import { test as base, expect, type Page } from "@playwright/test";

/**
 * Each test's browser arrives from its own client address, as a reverse proxy would report it.
 * The auth rate limits are per address, so without this every test would share one budget of
 * five sign-ups and five sign-ins a minute.
 */
export const test = base.extend({
  context: async ({ browser, baseURL }, use) => {
    const octet = () => 1 + Math.floor(Math.random() * 254);
    const context = await browser.newContext({
      baseURL,
      extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` },
    });
    await use(context);
    await context.close();
  },
});
export { expect };

export function uniqueEmail(tag: string) {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@e2e.sluice.test`;
}

export const PASSWORD = "correct-horse-canary-3f9a";

export async function signUp(page: Page, email: string, name = "E2E User") {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function createWorkspace(page: Page, name: string) {
  await expect(page).toHaveURL(/\/onboarding/);
  await page.getByLabel("Workspace name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
}

/**
 * Marker put into every secret, password and token value the browser tests submit. `npm test`
 * scans the web and runner logs for it afterwards: it must never appear (scripts/test.ts).
 */
export const SECRET_CANARY = "canary-3f9a";

/** tRPC over the page's session (mutations need the Origin header, like the browser sends). */
export function trpc(page: Page, baseURL: string) {
  const headers = { origin: new URL(baseURL).origin };
  const unwrap = async <T>(path: string, res: Awaited<ReturnType<Page["request"]["get"]>>): Promise<T> => {
    expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
    return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
  };
  return {
    call: async <T>(path: string, input: unknown): Promise<T> =>
      unwrap<T>(path, await page.request.post(`/api/trpc/${path}`, { data: { json: input }, headers })),
    query: async <T>(path: string, input: unknown): Promise<T> =>
      unwrap<T>(
        path,
        await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`),
      ),
  };
}

/**
 * Creates, publishes and deploys `generator (gen) -> <middle> -> kafka-sink (out)` through tRPC, with
 * edges e1 (gen -> middle) and e2 (middle -> out); the generator simulates `users` users (default 50).
 * Returns the pipeline's id.
 */
export async function deployGeneratorPipeline(
  api: ReturnType<typeof trpc>,
  workspaceId: string,
  options: {
    name: string;
    eventsPerSecond: number;
    middle: { id: string; type: string; config: Record<string, unknown> };
    topic: string;
    users?: number;
  },
): Promise<string> {
  const { call } = api;
  const { id: pipelineId } = await call<{ id: string }>("pipeline.create", { workspaceId, name: options.name });
  const { middle } = options;
  await call("pipeline.saveDraft", {
    workspaceId,
    pipelineId,
    baseRevision: 0,
    graph: {
      nodes: [
        {
          id: "gen",
          type: "generator",
          typeVersion: 1,
          config: { eventsPerSecond: options.eventsPerSecond, users: options.users ?? 50 },
          position: { x: 0, y: 0 },
        },
        { id: middle.id, type: middle.type, typeVersion: 1, config: middle.config, position: { x: 350, y: 0 } },
        { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: options.topic }, position: { x: 700, y: 0 } },
      ],
      edges: [
        { id: "e1", source: "gen", sourcePort: "out", target: middle.id, targetPort: "in" },
        { id: "e2", source: middle.id, sourcePort: "out", target: "out", targetPort: "in" },
      ],
    },
  });
  const version = await call<{ id: string }>("version.publish", {
    workspaceId,
    pipelineId,
    message: "e2e",
    baseRevision: 1,
  });
  await call("deployment.deploy", { workspaceId, pipelineId, versionId: version.id });
  return pipelineId;
}
