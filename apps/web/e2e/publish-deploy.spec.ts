import type { Locator, Page } from "@playwright/test";
import { pipelineTemplates, templateCredentials } from "@sluice/shared";
import { createWorkspace, expect, SECRET_CANARY, signUp, test, trpc, uniqueEmail } from "./helpers";

// The real Publish and Deploy buttons, for a blank pipeline and for every template created through the
// New-pipeline dialog (credentials picked or made in that dialog), and a refusal the user can read.
test.describe.configure({ timeout: 240_000 });

const RUNNING_WITHIN_MS = 90_000;

/** True when the element (or a child) is what the user sees at its centre: not under a backdrop or another layer. */
async function topmostAtCentre(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return top !== null && (top === el || el.contains(top));
  });
}

async function publishAndDeploy(page: Page) {
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText(/Published version 1/)).toBeVisible();
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
  await expect(page.getByTestId("deployment-status")).toContainText("running", { timeout: RUNNING_WITHIN_MS });
}

function ids(page: Page) {
  const [, , workspaceId, , pipelineId] = new URL(page.url()).pathname.split("/");
  return { workspaceId: workspaceId!, pipelineId: pipelineId! };
}

test("a blank pipeline built on the canvas publishes and deploys with the real buttons", async ({ page, baseURL }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("blank-deploy"));
  await createWorkspace(page, "Blank deploy team");
  await page.getByRole("button", { name: "New pipeline" }).click();
  await page.getByLabel("Name", { exact: true }).fill("From scratch");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page.getByTestId("canvas-empty")).toBeVisible();

  for (const [type, x] of [
    ["generator", 160],
    ["kafka-sink", 560],
  ] as const) {
    await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y: 160 } });
    await page.getByRole("button", { name: "Close node settings" }).click();
  }
  const from = (await page.getByTestId("handle-generator-1-out").boundingBox())!;
  const to = (await page
    .locator('.react-flow__handle.target[data-nodeid="kafka-sink-1"][data-handleid="in"]')
    .boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.mouse.up();
  await page.getByTestId("node-kafka-sink-1").click();
  await page.locator("#field-kafka-sink-1-topic").fill(`e2e-blank-${Date.now().toString(36)}`);
  await page.getByRole("button", { name: "Close node settings" }).click();
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);

  const { workspaceId, pipelineId } = ids(page);
  try {
    await publishAndDeploy(page);
    // No HTTP ingest: no "Send events" dialog.
    await expect(page.getByTestId("send-events")).toHaveCount(0);
  } finally {
    await trpc(page, baseURL!).call("deployment.stop", { workspaceId, pipelineId });
  }
});

for (const template of pipelineTemplates) {
  test(`the "${template.name}" template, with credentials made in the New-pipeline dialog, publishes, deploys and takes events`, async ({
    page,
    baseURL,
  }) => {
    await page.setViewportSize({ width: 1600, height: 1000 });
    await signUp(page, uniqueEmail(`template-${template.id}`));
    await createWorkspace(page, `${template.name} team`);
    await page.getByRole("button", { name: "New pipeline" }).click();
    await page.getByLabel("Name", { exact: true }).fill(template.name);
    await page.getByText(template.name, { exact: true }).click();

    // A fresh workspace has nothing to pick: every credential defaults to "create a new one", here.
    for (const need of templateCredentials(template)) {
      const select = page.getByTestId(`credential-${need.placeholder}`);
      await expect(select).toHaveValue("__new__");
      const value = page.getByTestId(`credential-${need.placeholder}-value`);
      if (need.secretKind === "postgres")
        await value.fill(
          process.env.DATABASE_URL!.replace("postgresql://root@", `postgresql://root:${SECRET_CANARY}@`),
        );
      else if (need.secretKind === "redis") await value.fill(process.env.REDIS_URL!);
      else if (need.kind === "secret") await expect(value).not.toHaveValue(""); // generated salt / signing secret
    }
    await page.getByRole("button", { name: "Create pipeline" }).click();

    // The ingest key made in the dialog is shown once.
    const key = page.getByTestId("copy-once").locator("input");
    await expect(key).toHaveValue(/^slk_/);
    const token = await key.inputValue();
    await page.getByTestId("copy-once").getByRole("button", { name: "Done" }).click();
    await expect(page).toHaveURL(/\/p\/[^/]+$/);
    await expect(page.locator('[data-severity="error"]')).toHaveCount(0);

    const { workspaceId, pipelineId } = ids(page);
    try {
      await publishAndDeploy(page);
      // Deployed with HTTP ingest: the "Send events" dialog says where and how.
      const send = page.getByTestId("send-events");
      await expect(send).toBeVisible();
      const url = (await send.getByTestId("ingest-url").textContent())!;
      expect(url).toMatch(/\/v1\/ingest\/[a-z-]+-[0-9a-f]{6}$/);
      await expect(send.getByText("curl -X POST", { exact: false })).toBeVisible();
      await expect(send.getByText("await fetch(", { exact: false })).toBeVisible();
      // Toasts show above the open dialog, not under its backdrop.
      await send.getByRole("button", { name: "Copy curl snippet" }).click();
      const toast = page.getByTestId("toasts").locator("[role=status], [role=alert]").first();
      await expect(toast).toBeVisible();
      expect(await topmostAtCentre(toast)).toBe(true);
      // The URL and key work as shown.
      const res = await page.request.post(url, {
        headers: { "content-type": "application/json", "x-api-key": token },
        data: [{ type: "page_view", userId: "e2e-user", props: { path: "/" } }],
      });
      expect(res.status(), await res.text()).toBe(202);
    } finally {
      await trpc(page, baseURL!).call("deployment.stop", { workspaceId, pipelineId });
    }
  });
}

test("a placeholder credential is a problem on its node, and a refused deploy is readable inside the dialog", async ({
  page,
  baseURL,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signUp(page, uniqueEmail("refused"));
  await createWorkspace(page, "Refusals team");
  const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
  const { call } = trpc(page, baseURL!);

  // Created without picking credentials: the nodes say so before anyone clicks Deploy.
  const placeholders = await call<{ id: string }>("pipeline.create", {
    workspaceId,
    name: "Unbound",
    templateId: "clickstream-analytics",
  });
  await page.goto(`/w/${workspaceId}/p/${placeholders.id}`);
  await expect(page.getByTestId("node-problems-ingest")).toHaveAttribute("data-severity", "error");
  await expect(page.getByTestId("node-problems-mask")).toHaveAttribute("data-severity", "error");
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeDisabled();

  // Two pipelines on one ingest path key: the second deploy is refused.
  const key = await call<{ id: string }>("apiKey.create", { workspaceId, name: "shared" });
  const pathKey = `shared-${Date.now().toString(36)}`;
  const graph = {
    nodes: [
      {
        id: "in",
        type: "http-ingest",
        typeVersion: 1,
        label: "Shared ingest",
        config: { pathKey, apiKeyId: key.id },
        position: { x: 0, y: 0 },
      },
      {
        id: "out",
        type: "kafka-sink",
        typeVersion: 1,
        config: { topic: `e2e-${pathKey}` },
        position: { x: 350, y: 0 },
      },
    ],
    edges: [{ id: "e", source: "in", sourcePort: "out", target: "out", targetPort: "in" }],
  };
  const publish = async (name: string) => {
    const { id } = await call<{ id: string }>("pipeline.create", { workspaceId, name });
    await call("pipeline.saveDraft", { workspaceId, pipelineId: id, baseRevision: 0, graph });
    const v = await call<{ id: string }>("version.publish", {
      workspaceId,
      pipelineId: id,
      message: "",
      baseRevision: 1,
    });
    return { id, versionId: v.id };
  };
  const first = await publish("First on the key");
  await call("deployment.deploy", { workspaceId, pipelineId: first.id, versionId: first.versionId });
  const second = await publish("Second on the key");
  try {
    await page.goto(`/w/${workspaceId}/p/${second.id}`);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Deploy" }).click();
    const message = dialog.getByTestId("dialog-error");
    await expect(message).toContainText(`"${pathKey}"`);
    await expect(message).toContainText("already used by another running pipeline");
    expect(await topmostAtCentre(message)).toBe(true);
    await page.screenshot({ path: test.info().outputPath("deploy-refused.png") });
    // The button names the node; it closes the dialog and opens that node's settings.
    await message.getByRole("button", { name: "Show Shared ingest" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.locator("#field-in-pathKey")).toHaveValue(pathKey);
  } finally {
    await call("deployment.stop", { workspaceId, pipelineId: first.id });
  }
});
