import { expect, test } from "@playwright/test";
import { createWorkspace, signIn, signUp, uniqueEmail } from "./helpers";

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

test("the health endpoint reports every service", async ({ request }) => {
  const res = await request.get("/api/health");
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
