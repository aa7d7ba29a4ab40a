import { expect, test as base, type BrowserContext, type Page } from "@playwright/test";
import { createWorkspace, PASSWORD, signIn, signUp, uniqueEmail } from "./helpers";

/**
 * `newPerson()` opens a browser context for one simulated person, arriving from their own client
 * address as a reverse proxy would report it. The auth rate limits are per client IP, so without
 * this every test in the suite would share one sign-up and one sign-in budget (5 a minute).
 */
const test = base.extend<{ newPerson: () => Promise<Page> }>({
  newPerson: async ({ browser, baseURL }, provide) => {
    const contexts: BrowserContext[] = [];
    await provide(async () => {
      const octet = () => 1 + Math.floor(Math.random() * 254);
      const ip = `10.${octet()}.${octet()}.${octet()}`; // private range: distinct per person, never routable
      const context = await browser.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": ip } });
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
});

function workspaceIdOf(page: Page): string {
  const id = new URL(page.url()).pathname.split("/")[2];
  if (!id) throw new Error(`not in a workspace: ${page.url()}`);
  return id;
}

test("an owner invites a viewer, who gets read-only access until promoted", async ({ newPerson, baseURL }) => {
  test.setTimeout(120_000);
  const a = await newPerson();
  const b = await newPerson();
  const bEmail = uniqueEmail("access-b");

  // A signs up, creates a workspace and reaches Members through the top and settings navigation.
  await signUp(a, uniqueEmail("access-a"), "Ada Owner");
  await createWorkspace(a, "Access team");
  const workspaceId = workspaceIdOf(a);
  await a.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Settings" }).click();
  await expect(a).toHaveURL(new RegExp(`/w/${workspaceId}/settings$`));
  await a.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Members" }).click();
  await expect(a).toHaveURL(/\/settings\/members$/);

  // A invites B as a viewer; the link is shown once.
  const invite = a.getByRole("form", { name: "Invite a member" });
  await invite.getByLabel("Email").fill(bEmail);
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByRole("button", { name: "Create invitation" }).click();
  const linkField = a.getByRole("textbox", { name: "Invitation link" });
  await expect(linkField).toHaveValue(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  const link = await linkField.inputValue();
  await expect(a.getByTestId("copy-once")).toContainText("expires in 7 days");
  await expect(a.getByTestId("invitation-list")).toContainText(bEmail);
  await a.getByRole("button", { name: "Done" }).click();
  await expect(linkField).toHaveCount(0);
  await a.reload();
  await expect(a.getByTestId("invitation-list")).toContainText(bEmail);
  expect(await a.content()).not.toContain(new URL(link).pathname);

  // B opens the link signed out, is sent to sign in, creates an account and comes back to it.
  await b.goto(new URL(link).pathname);
  await expect(b).toHaveURL(/\/sign-in\?next=%2Finvite%2F/);
  await b.getByRole("link", { name: "Create an account" }).click();
  await b.getByLabel("Name").fill("Bo Viewer");
  await b.getByLabel("Email").fill(bEmail);
  await b.getByLabel("Password").fill(PASSWORD);
  await b.getByRole("button", { name: "Create account" }).click();
  await expect(b).toHaveURL(new URL(link).pathname);
  const card = b.getByTestId("invitation");
  await expect(card).toContainText("Join Access team");
  await expect(card).toContainText("Ada Owner");
  await expect(card).toContainText(/viewer/i);
  await b.getByRole("button", { name: "Accept invitation" }).click();
  await expect(b).toHaveURL(new RegExp(`/w/${workspaceId}$`));
  await expect(b.getByRole("combobox", { name: "Workspace" })).toHaveValue(workspaceId);

  // The link is single-use.
  await b.goto(new URL(link).pathname);
  await expect(b.getByTestId("invitation-problem")).toContainText("already used");

  // B sees the members read-only: no invite form, no role selects, no remove buttons.
  await b.goto(`/w/${workspaceId}/settings/members`);
  const members = b.getByTestId("member-list");
  await expect(members).toContainText("Ada Owner");
  await expect(members).toContainText("Bo Viewer");
  await expect(members.getByTestId("role-badge")).toHaveText(["owner", "viewer"]);
  await expect(members.getByRole("combobox")).toHaveCount(0);
  await expect(members.getByRole("button")).toHaveCount(0);
  await expect(b.getByRole("form", { name: "Invite a member" })).toHaveCount(0);
  await expect(b.getByRole("heading", { name: "Pending invitations" })).toHaveCount(0);

  // The API keys tab explains what B lacks instead of failing.
  await b.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }).click();
  await expect(b.getByTestId("need-role")).toContainText("You need the admin role to view and manage API keys");
  await expect(b.getByRole("form", { name: "Create an API key" })).toHaveCount(0);

  // Going around the UI doesn't help: the API refuses B's direct call.
  const direct = await b.request.post("/api/trpc/apiKey.create", {
    headers: { origin: new URL(baseURL!).origin, "content-type": "application/json" },
    data: { json: { workspaceId, name: "x" } },
  });
  expect(direct.status()).toBe(403);

  // A creates an API key: the full key is shown once, the list keeps only its prefix.
  await a.goto(`/w/${workspaceId}/settings/api-keys`);
  const keyForm = a.getByRole("form", { name: "Create an API key" });
  await keyForm.getByLabel("Key name").fill("Website tracker");
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const keyField = a.getByRole("textbox", { name: "API key Website tracker" });
  await expect(keyField).toHaveValue(/^slk_[A-Za-z0-9_-]{40,}$/);
  const key = await keyField.inputValue();
  await expect(a.getByTestId("copy-once")).toContainText("It will not be shown again");
  const keys = a.getByTestId("api-key-table");
  await expect(keys).toContainText("Website tracker");
  await expect(keys).toContainText(`${key.slice(0, 10)}…`);
  await a.getByRole("button", { name: "Done" }).click();
  await a.reload();
  await expect(a.getByTestId("api-key-table")).toContainText("Website tracker");
  expect(await a.content()).not.toContain(key);

  // A stores a secret; after saving, only a masked hint is ever on the page.
  await a.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Secrets" }).click();
  const value = `s3cret-${Math.random().toString(36).slice(2)}-warehouse`;
  const secretForm = a.getByRole("form", { name: "Add a secret" });
  await secretForm.getByLabel("Name").fill("WAREHOUSE_PASSWORD");
  await secretForm.getByLabel("Value").fill(value);
  await secretForm.getByRole("button", { name: "Save secret" }).click();
  const secrets = a.getByTestId("secret-list");
  await expect(secrets).toContainText("WAREHOUSE_PASSWORD");
  await expect(secrets).toContainText(`••••${value.slice(-4)}`);
  await expect(secretForm.getByLabel("Value")).toHaveValue("");
  expect(await a.content()).not.toContain(value);
  await a.reload();
  await expect(a.getByTestId("secret-list")).toContainText("WAREHOUSE_PASSWORD");
  expect(await a.content()).not.toContain(value);

  // A sees B's refused call in the audit log, filtered by outcome.
  await a.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Audit log" }).click();
  await a.getByLabel("Outcome").selectOption("denied");
  const audit = a.getByTestId("audit-table");
  await expect(audit).toContainText("apiKey.create");
  await expect(audit).toContainText("Bo Viewer");
  await expect(audit.locator("tbody tr")).toHaveCount(1);

  // A promotes B to editor; B sees it on reload, without signing out.
  await a.goto(`/w/${workspaceId}/settings/members`);
  await a.getByLabel("Role for Bo Viewer").selectOption("editor");
  await expect(a.getByText("Bo Viewer is now an editor.")).toBeVisible();
  await b.goto(`/w/${workspaceId}/settings/members`);
  await expect(b.getByTestId("member-list").getByTestId("role-badge")).toHaveText(["owner", "editor"]);
  await expect(b.getByRole("combobox", { name: "Workspace" })).toContainText("Access team (editor)");

  // As an admin B may manage members, but never sees "owner" as a role to hand out, nor can touch the owner.
  await a.getByLabel("Role for Bo Viewer").selectOption("admin");
  await expect(a.getByText("Bo Viewer is now an admin.")).toBeVisible();
  await b.reload();
  const bInvite = b.getByRole("form", { name: "Invite a member" });
  await expect(bInvite.getByLabel("Role").locator("option")).toHaveText(["Viewer", "Editor", "Admin"]);
  await expect(b.getByTestId("member-list").getByRole("combobox")).toHaveCount(0);
  await expect(b.getByTestId("member-list").getByTestId("role-badge")).toHaveText(["owner", "admin"]);
});

test("an owner manages tokens, renames and deletes the workspace, then signs out everywhere", async ({ newPerson }) => {
  const email = uniqueEmail("account");
  const laptop = await newPerson();
  await signUp(laptop, email, "Tess Tokens");
  await createWorkspace(laptop, "Token team");
  const workspaceId = workspaceIdOf(laptop);
  const phone = await newPerson();
  await signIn(phone, email);
  await expect(phone).toHaveURL(new RegExp(`/w/${workspaceId}$`));

  // The account page is one click from the shell; tokens default to the workspace you came from.
  await laptop.getByRole("link", { name: /Account/ }).click();
  await expect(laptop).toHaveURL(/\/account/);
  const form = laptop.getByRole("form", { name: "Create a personal access token" });
  await form.getByLabel("Token name").fill("CI deploys");
  await expect(form.getByLabel("Workspace")).toHaveValue(workspaceId);
  await form.getByLabel("Expires in (days)").fill("30");
  await form.getByRole("button", { name: "Create token" }).click();
  const tokenField = laptop.getByRole("textbox", { name: "Token CI deploys" });
  await expect(tokenField).toHaveValue(/^slp_[A-Za-z0-9_-]{40,}$/);
  const token = await tokenField.inputValue();
  const tokens = laptop.getByTestId("token-table");
  await expect(tokens).toContainText("CI deploys");
  await expect(tokens).toContainText("Token team");
  await laptop.reload();
  await expect(laptop.getByTestId("token-table")).toContainText("CI deploys");
  expect(await laptop.content()).not.toContain(token);
  await laptop.getByRole("button", { name: "Revoke CI deploys" }).click();
  await laptop.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(laptop.getByTestId("token-table")).toContainText("Revoked");

  // The owner renames the workspace, then deletes it by typing its (new) name.
  await laptop.goto(`/w/${workspaceId}/settings`);
  await laptop.getByRole("textbox", { name: "Workspace name" }).fill("Token crew");
  await laptop.getByRole("button", { name: "Save" }).click();
  await expect(laptop.getByRole("combobox", { name: "Workspace" })).toContainText("Token crew (owner)");
  await laptop.getByRole("button", { name: "Delete workspace…" }).click();
  const confirm = laptop.getByRole("dialog", { name: "Delete Token crew?" });
  await confirm.getByLabel("Type Token crew to confirm").fill("Token team");
  await expect(confirm.getByRole("button", { name: "Delete this workspace" })).toBeDisabled();
  await confirm.getByLabel("Type Token crew to confirm").fill("Token crew");
  await confirm.getByRole("button", { name: "Delete this workspace" }).click();
  await expect(laptop).toHaveURL(/\/onboarding/);

  // Signing out everywhere ends this session and the one on the other device.
  await laptop.goto("/account");
  await laptop.getByRole("button", { name: "Sign out everywhere…" }).click();
  await laptop.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/sign-in/);
  await phone.reload();
  await expect(phone).toHaveURL(/\/sign-in\?next=/);
});

test("sign-in is rate limited after five failed attempts in a minute", async ({ newPerson }) => {
  const page = await newPerson();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(uniqueEmail("rate-limit"));
  await page.getByLabel("Password").fill("not-the-password");
  const error = page.locator("form").getByRole("alert");
  const attempt = async () => {
    const response = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in/email"));
    await page.getByRole("button", { name: "Sign in" }).click();
    return (await response).status();
  };
  for (let i = 1; i <= 5; i++) {
    expect(await attempt(), `attempt ${i}`).toBe(401);
    await expect(error).toContainText("Invalid email or password");
  }
  expect(await attempt()).toBe(429);
  await expect(error).toHaveText("Too many attempts. Wait a minute and try again.");
});
