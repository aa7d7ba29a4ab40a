import { createWorkspace, expect, SECRET_CANARY, signIn, signUp, test, uniqueEmail } from "./helpers";

test("a new user signs up, creates a workspace and sees the empty pipeline list", async ({ page }) => {
  const email = uniqueEmail("skeleton");
  await signUp(page, email);
  await createWorkspace(page, "Skeleton team");
  await expect(page.getByTestId("empty-pipelines")).toBeVisible();
  await expect(page.getByText("No pipelines yet")).toBeVisible();

  // Signing out and back in lands in the same workspace.
  const workspaceUrl = page.url();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto(workspaceUrl);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page, email);
  await expect(page).toHaveURL(workspaceUrl);
  await expect(page.getByTestId("empty-pipelines")).toBeVisible();
  await expect(page.getByTestId("user-email")).toHaveText(email);
});

test("the health endpoint says ok publicly and reports every service to the health token", async ({ request }) => {
  const open = await request.get("/api/health");
  expect(open.status()).toBe(200);
  expect(await open.json()).toEqual({ status: "ok" });
  const res = await request.get("/api/health", { headers: { authorization: `Bearer ${process.env.HEALTH_TOKEN}` } });
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; latencyMs: number }> };
  expect(body.status).toBe("ok");
  for (const name of ["postgres", "redis", "kafka", "runner"]) {
    expect(body.checks[name]?.ok, name).toBe(true);
    expect(typeof body.checks[name]?.latencyMs).toBe("number");
  }
});

test("signed-out visitors are sent to sign in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  const api = await page.request.get("/api/trpc/workspace.list");
  expect(api.status()).toBe(401);
});

test("state-changing API calls from a foreign origin are refused (CSRF)", async ({ page, baseURL }) => {
  await signUp(page, uniqueEmail("csrf"));
  await createWorkspace(page, "CSRF team");
  const body = { json: { name: "Evil team" } };
  const foreign = await page.request.post("/api/trpc/workspace.create", {
    data: body,
    headers: { origin: "https://evil.example" },
  });
  expect(foreign.status()).toBe(403);
  const own = await page.request.post("/api/trpc/workspace.create", {
    data: body,
    headers: { origin: new URL(baseURL!).origin },
  });
  expect(own.status()).toBe(200);
});

test("secret values submitted through the app are never echoed back", async ({ page, baseURL }) => {
  await signUp(page, uniqueEmail("secret"));
  await createWorkspace(page, "Secret team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const value = `postgres://app:${SECRET_CANARY}-${Date.now()}@db.internal/prod`;
  const headers = { origin: new URL(baseURL!).origin };
  const created = await page.request.post("/api/trpc/secret.create", {
    data: { json: { workspaceId, name: "warehouse", value } },
    headers,
  });
  expect(created.status()).toBe(200);
  expect(await created.text()).not.toContain(SECRET_CANARY);
  const listed = await page.request.get(
    `/api/trpc/secret.list?input=${encodeURIComponent(JSON.stringify({ json: { workspaceId } }))}`,
  );
  expect(listed.status()).toBe(200);
  expect(await listed.text()).not.toContain(SECRET_CANARY);
});
