import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { APIResponse, Browser } from "@playwright/test";
import { createWorkspace, expect, PASSWORD, signUp, test, trpc, uniqueEmail } from "./helpers";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "app");

/** Every page and route handler under src/app, as URL templates (`/w/[workspaceId]/settings`). */
function routeTemplates(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name === "page.tsx" || entry.name === "route.ts")
        found.push(`/${relative(appDir, dir).split(sep).join("/")}`.replace(/\/$/, "") || "/");
    }
  };
  walk(appDir);
  return found.sort();
}

function expectSecurityHeaders(res: APIResponse, what: string) {
  const h = res.headers();
  const csp = h["content-security-policy"] ?? "";
  expect(csp, `${what}: CSP`).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
  expect(csp, `${what}: CSP`).not.toContain("unsafe-eval");
  expect(csp, `${what}: CSP`).toContain("frame-ancestors 'none'");
  expect(csp, `${what}: CSP`).toContain("object-src 'none'");
  expect(h["x-frame-options"], `${what}: X-Frame-Options`).toBe("DENY");
  expect(h["x-content-type-options"], `${what}: X-Content-Type-Options`).toBe("nosniff");
  expect(h["referrer-policy"], `${what}: Referrer-Policy`).toBe("strict-origin-when-cross-origin");
  // The test server's APP_URL is http: HSTS is sent only on https (unit-tested in security-headers).
  expect(h["strict-transport-security"], `${what}: HSTS on http`).toBeUndefined();
}

test("every page, API route and static file carries the security headers", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signUp(page, uniqueEmail("headers"));
  await createWorkspace(page, "Headers team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const { id: pipelineId } = await trpc(page, baseURL!).call<{ id: string }>("pipeline.create", {
    workspaceId,
    name: "Headers",
  });
  const values: Record<string, string> = {
    workspaceId,
    pipelineId,
    token: "not-a-real-invitation",
    trpc: "workspace.list",
    "...path": "pipelines",
    "...all": "get-session",
  };

  const templates = routeTemplates();
  expect(templates.length).toBeGreaterThan(20);
  for (const template of templates) {
    const path = template.replace(/\[([^\]]+)\]/g, (_, name: string) => {
      const value = values[name];
      if (!value) throw new Error(`no test value for [${name}] in ${template}`);
      return value;
    });
    const res = await page.request.get(path, { maxRedirects: 0 });
    expect(res.status(), `${path} answers`).toBeLessThan(500);
    expectSecurityHeaders(res, path);
  }

  // A JSON POST, a 404 and a static chunk carry them too.
  const post = await page.request.post("/api/trpc/workspace.create", {
    data: { json: { name: "" } },
    headers: { origin: new URL(baseURL!).origin },
  });
  expectSecurityHeaders(post, "tRPC POST");
  expectSecurityHeaders(await page.request.get("/no-such-page"), "404 page");
  const html = await (await page.request.get("/sign-in")).text();
  const chunk = html.match(/\/_next\/static\/[^"']+\.js/)?.[0];
  expect(chunk, "a script chunk on the sign-in page").toBeTruthy();
  expectSecurityHeaders(await page.request.get(chunk!), chunk!);
});

test("scripts run only with the response's nonce, and the app refuses to be framed", async ({
  page,
  baseURL,
  browser,
}) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const first = await page.request.get("/sign-in");
  const second = await page.request.get("/sign-in");
  const nonceOf = (res: APIResponse) => res.headers()["content-security-policy"]!.match(/'nonce-([^']+)'/)![1]!;
  expect(nonceOf(first)).not.toBe(nonceOf(second));
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(1);
  for (const tag of scripts) expect(tag, "every script tag carries the nonce").toContain(`nonce="${nonceOf(first)}"`);

  // The app works under the policy: sign-up, workspace, the designer canvas (React Flow), no violations.
  await signUp(page, uniqueEmail("csp"));
  await createWorkspace(page, "CSP team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const { id: pipelineId } = await trpc(page, baseURL!).call<{ id: string }>("pipeline.create", {
    workspaceId,
    name: "CSP",
  });
  await page.goto(`/w/${workspaceId}/p/${pipelineId}`);
  await expect(page.locator(".react-flow")).toBeVisible();
  expect(violations).toEqual([]);

  // An attacker's page on another origin cannot frame Sluice.
  const attacker = await browser.newPage();
  await attacker.route("http://attacker.test/", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<iframe src="${baseURL}/sign-in" onload="window.framed = true"></iframe>`,
    }),
  );
  await attacker.goto("http://attacker.test/");
  // The iframe's load event fires for the browser's "refused to connect" page as well.
  await attacker.waitForFunction(() => (window as unknown as { framed?: boolean }).framed === true);
  const frame = attacker.frames().find((f) => f !== attacker.mainFrame());
  expect(frame).toBeTruthy();
  expect(await frame!.getByRole("button", { name: "Sign in" }).count()).toBe(0);
  await attacker.close();
});

async function signInWithNext(
  browser: Browser,
  baseURL: string,
  email: string,
  next: string,
  mode: "sign-in" | "sign-up",
) {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  const context = await browser.newContext({
    baseURL,
    extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` },
  });
  const page = await context.newPage();
  await page.goto(`/${mode}?next=${encodeURIComponent(next)}`);
  if (mode === "sign-up") await page.getByLabel("Name").fill("Redirect Tester");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: mode === "sign-in" ? "Sign in" : "Create account" }).click();
  // Landing: onboarding (no workspace yet) on our own origin, never the other site.
  await expect(page).toHaveURL(/\/onboarding$/, { timeout: 20_000 });
  const landed = new URL(page.url());
  await context.close();
  return landed;
}

test("sign-in and sign-up redirect only to paths on this site", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const origin = new URL(baseURL!).origin;
  const email = uniqueEmail("redirect");
  expect((await signInWithNext(browser, baseURL!, email, "//evil.example/steal", "sign-up")).origin).toBe(origin);
  const attempts = [
    "//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "/\t/evil.example",
    "javascript:alert(document.domain)",
    "%2F%2Fevil.example",
  ];
  for (const next of attempts) {
    const landed = await signInWithNext(browser, baseURL!, email, next, "sign-in");
    expect(landed.origin, `next=${next}`).toBe(origin);
  }
});

/** POSTs `totalBytes` in 64 KiB chunks without a Content-Length (chunked); answers the status. */
function postChunked(url: string, headers: Record<string, string>, totalBytes: number): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = httpRequest(
      url,
      { method: "POST", headers: { ...headers, "content-type": "application/json" } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    // The server may close the connection while we still write: only the answer matters.
    req.on("error", (err) => (sent >= totalBytes ? reject(err) : undefined));
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (sent < totalBytes && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!req.destroyed) req.end();
    };
    req.write('{"json":{"name":"');
    pump();
  });
}

test("request bodies over 1 MiB are refused with 413 on /api/trpc and /api/v1, declared or streamed", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("bodies"));
  await createWorkspace(page, "Bodies team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const api = trpc(page, baseURL!);
  const { token } = await api.call<{ token: string }>("personalToken.create", {
    workspaceId,
    name: "limits",
    expiresInDays: 1,
  });
  const origin = new URL(baseURL!).origin;
  const big = JSON.stringify({ json: { workspaceId, name: "x".repeat(1536 * 1024) } });

  const declared = await page.request.post("/api/trpc/pipeline.create", {
    data: big,
    headers: { origin, "content-type": "application/json" },
  });
  expect(declared.status()).toBe(413);
  expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  const v1 = await page.request.post("/api/v1/pipelines", {
    data: big,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  expect(v1.status()).toBe(413);

  // Streamed without a length: refused too. (Next's proxy drains the rest of the upload; it keeps at most
  // 2 MiB of it in memory, see proxyClientMaxBodySize in next.config.ts.)
  const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const streamedTrpc = await postChunked(
    `${baseURL}/api/trpc/pipeline.create`,
    { origin, cookie: cookies },
    8 * 1024 * 1024,
  );
  expect(streamedTrpc.status).toBe(413);
  const streamedV1 = await postChunked(
    `${baseURL}/api/v1/pipelines`,
    { authorization: `Bearer ${token}` },
    8 * 1024 * 1024,
  );
  expect(streamedV1.status).toBe(413);

  // Ordinary requests still go through.
  const small = await page.request.post("/api/trpc/pipeline.create", {
    data: { json: { workspaceId, name: "Small enough" } },
    headers: { origin },
  });
  expect(small.status()).toBe(200);
});

test("strangers' failed sign-ins slow guessing down but never lock the owner out", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const origin = new URL(baseURL!).origin;
  const email = uniqueEmail("lockout");
  const octet = () => 1 + Math.floor(Math.random() * 254);
  const newDevice = () =>
    browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` } });

  // The owner signs up on a laptop (now a known device of the account) and signs out.
  const laptop = await newDevice();
  const ownerPage = await laptop.newPage();
  await signUp(ownerPage, email, "Owner");
  await expect(ownerPage).toHaveURL(/\/onboarding$/);
  expect((await ownerPage.request.post("/api/auth/sign-out", { data: {}, headers: { origin } })).status()).toBe(200);

  // Strangers guess from six addresses, five guesses each (within the per-address limit).
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let a = 0; a < 6; a++) {
    const stranger = await newDevice();
    for (let i = 0; i < 5; i++) {
      const res = await stranger.request.post("/api/auth/sign-in/email", {
        data: { email, password: `wrong-guess-${a}-${i}` },
        headers: { origin },
      });
      statuses.push(res.status());
      if (res.status() === 429) retryAfter ??= res.headers()["retry-after"];
    }
    await stranger.close();
  }
  // Twenty free guesses over all unknown clients, then each must wait 1 s, 2 s, 4 s, ...: answered 429.
  expect(statuses.slice(0, 20)).toEqual(new Array(20).fill(401));
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(24);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

  // The owner's laptop signs in at once: strangers' attempts never count against a known device.
  await ownerPage.goto("/sign-in");
  await ownerPage.getByLabel("Email").fill(email);
  await ownerPage.getByLabel("Password").fill(PASSWORD);
  await ownerPage.getByRole("button", { name: "Sign in" }).click();
  await expect(ownerPage).toHaveURL(/\/onboarding$/);
  await laptop.close();

  // A new phone with the right password waits seconds (what Retry-After says), not 15 minutes.
  const phone = await newDevice();
  let res = await phone.request.post("/api/auth/sign-in/email", {
    data: { email, password: PASSWORD },
    headers: { origin },
  });
  if (res.status() === 429) {
    const wait = Number(res.headers()["retry-after"]);
    expect(wait).toBeLessThanOrEqual(10);
    await new Promise((r) => setTimeout(r, wait * 1000 + 200));
    res = await phone.request.post("/api/auth/sign-in/email", {
      data: { email, password: PASSWORD },
      headers: { origin },
    });
  }
  expect(res.status()).toBe(200);
  await phone.close();
});
