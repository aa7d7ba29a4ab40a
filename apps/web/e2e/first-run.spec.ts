import { createPrismaClient } from "@sluice/db";
import { DEMO_PIPELINE } from "../../../scripts/lib/demo-pipeline";
import { DEMO_USER, seedDemo } from "../../../scripts/lib/seed";
import { expect, test, trpc } from "./helpers";

/** From signing in to moving numbers on the demo canvas (the README's "moving numbers" budget). */
const MOVING_WITHIN_MS = 60_000;

// The first run as `npm start` leaves it: the seed (the same function start.ts calls) against the
// test database the running web app and runner use, then the demo account signs in and watches the
// demo pipeline move. The seed runs here rather than in the harness so the other specs do not share
// the machine with a running demo; the test stops it at the end.
test("first run: the demo account finds Demo clickstream running, live on its canvas and health page", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const prisma = createPrismaClient(process.env.DATABASE_URL!);
  const seedOptions = {
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    secretKey: process.env.SLUICE_SECRET_KEY!,
    pipeline: true,
  };
  const seeded = await seedDemo(prisma, seedOptions);
  const demo = seeded.pipeline!;
  expect(demo.ingestToken).toMatch(/^slk_/);
  // A second `npm start` reuses everything.
  expect(await seedDemo(prisma, seedOptions)).toEqual(seeded);
  expect(await prisma.pipeline.count({ where: { workspaceId: seeded.workspaceId, name: DEMO_PIPELINE.name } })).toBe(1);
  const workspaceId = seeded.workspaceId;

  try {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Password").fill(DEMO_USER.password);
    const signedIn = Date.now();
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${workspaceId}$`));
    await page.getByRole("link", { name: DEMO_PIPELINE.name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${workspaceId}/p/${demo.id}$`));

    // Rates move on the canvas: the generator's topic edge and the validate node.
    const generatorEdge = page.getByTestId("edge-live-e-generator-validate");
    await expect(generatorEdge.getByTestId("edge-rate")).not.toHaveText(/^(–|0)\/s$/, { timeout: MOVING_WITHIN_MS });
    await expect(generatorEdge.getByTestId("edge-lag")).toContainText("lag");
    await expect(page.getByTestId("node-live-validate").getByTestId("node-rate-in")).not.toHaveText(/^(–|0)\/s$/);
    console.log(`first run: demo rates non-zero ${((Date.now() - signedIn) / 1000).toFixed(1)} s after signing in`);
    await page.getByRole("button", { name: "Monitor" }).click();
    await page.getByTestId("node-validate").click();
    await expect(page.getByTestId("node-drawer-status")).toHaveText("running");

    // The banner's curl: the demo's ingest endpoint takes an event with the printed key.
    const ingest = await page.request.post(`${process.env.INGEST_PUBLIC_URL}/v1/ingest/${demo.pathKey}`, {
      headers: { "content-type": "application/json", "x-api-key": demo.ingestToken! },
      data: [{ type: "page_view", userId: "curl-user", props: { path: "/pricing" } }],
    });
    expect(ingest.status(), await ingest.text()).toBe(202);

    // The health page lists it with live figures.
    await page.goto(`/w/${workspaceId}/monitor`);
    const row = page.getByTestId(`health-row-${demo.id}`);
    await expect(row).toContainText(DEMO_PIPELINE.name);
    await expect(row.getByTestId("health-in")).not.toHaveText(/^(–|0\/s)$/, { timeout: 30_000 });
  } finally {
    // Stopped like the Stop button would; straight in the database if the session never existed.
    await trpc(page, baseURL!)
      .call("deployment.stop", { workspaceId, pipelineId: demo.id })
      .catch(() => prisma.deployment.updateMany({ where: { pipelineId: demo.id }, data: { desiredState: "stopped" } }));
    await prisma.$disconnect();
  }
});

// On the local stack a template needs no credential work: the dialog preselects the seeded ones.
test("a template created in the demo workspace preselects the local credentials and deploys as created", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const prisma = createPrismaClient(process.env.DATABASE_URL!);
  const seeded = await seedDemo(prisma, {
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    secretKey: process.env.SLUICE_SECRET_KEY!,
    pipeline: true,
  });
  // Only the template's pipeline should run here.
  await prisma.deployment.updateMany({
    where: { pipelineId: seeded.pipeline!.id, desiredState: "running" },
    data: { desiredState: "stopped" },
  });
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(DEMO_USER.email);
  await page.getByLabel("Password").fill(DEMO_USER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${seeded.workspaceId}$`));

  await page.getByRole("button", { name: "New pipeline" }).click();
  await page.getByLabel("Name", { exact: true }).fill("My clickstream");
  await page.getByText("Clickstream analytics", { exact: true }).click();
  const picked = (placeholder: string) => page.getByTestId(`credential-${placeholder}`).locator("option:checked");
  await expect(picked("select-warehouse-connection")).toHaveText(/^local-postgres /);
  await expect(picked("select-pii-salt-secret")).toHaveText(/^demo-pii-salt /);
  await expect(picked("select-api-key")).toHaveText(/^Demo ingest /);
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  const pipelineId = new URL(page.url()).pathname.split("/")[4]!;
  try {
    await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
    await expect(page.getByText(/Published version 1/)).toBeVisible();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
    await expect(page.getByTestId("deployment-status")).toContainText("running", { timeout: 90_000 });
  } finally {
    await trpc(page, baseURL!).call("deployment.stop", { workspaceId: seeded.workspaceId, pipelineId });
    await prisma.$disconnect();
  }
});
