import { test as base, expect, type Page } from "@playwright/test";

/**
 * Each test's browser arrives from its own client address, as a reverse proxy would report it.
 * The auth rate limits are per address, so without this every test would share one budget of
 * five sign-ups and five sign-ins a minute.
 */
export const test = base.extend({
  context: async ({ browser, baseURL }, use) => {
    const octet = () => 1 + Math.floor(Math.random() * 254);
    const context = await browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` } });
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
