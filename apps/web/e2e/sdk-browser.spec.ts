// A product's web page on another origin sends events with the JS SDK's script tag and a publishable
// key created in Settings: they land in the pipeline's Postgres sink exactly once, including events
// tracked while offline (kept in localStorage across a page close) and events queued when the page
// reloads (beacon + stored copy, deduplicated by id). Another origin, or a server key, sends nothing.
import { createServer, type Server } from "node:http";
import pg from "pg";
import { createWorkspace, expect, signUp, test, trpc, uniqueEmail } from "./helpers";

const runnerUrl = process.env.INGEST_PUBLIC_URL ?? "http://127.0.0.1:4100";

/**
 * A stand-in for a customer's website: one page that loads the SDK from the runner and creates a
 * client with the endpoint and key set by `use` (the key is created after the site's origin is known).
 */
async function startSite(): Promise<{ origin: string; server: Server; use(endpoint: string, key: string): void }> {
  let client = { endpoint: "", key: "" };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>Shop</title>
<script src="${runnerUrl}/sdk/v1/sluice.min.js"></script>
<script>
  window.sluice = Sluice.createClient({
    endpoint: ${JSON.stringify(client.endpoint)},
    key: ${JSON.stringify(client.key)},
    persist: true,
    flushIntervalMs: 200,
    retryBaseMs: 60000,
  });
</script></head><body><h1>Shop</h1></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, server, use: (endpoint, key) => (client = { endpoint, key }) };
}

type Stats = { sent: number; failed: number; dropped: number; queued: number };

test("a page on another origin sends events through a publishable key, offline and across reloads", async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const sites: Server[] = [];
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  const table = `sdk_e2e_${Date.now().toString(36)}`;
  await db.query(`CREATE TABLE ${table} (event_id text PRIMARY KEY, event_type text NOT NULL)`);
  try {
    await signUp(page, uniqueEmail("sdk"));
    await createWorkspace(page, "Web shop");
    const workspaceId = new URL(page.url()).pathname.split("/")[2]!;
    const api = trpc(page, baseURL!);
    const pathKey = `shop-${Date.now().toString(36)}`;
    const endpoint = `${runnerUrl}/v1/ingest/${pathKey}`;

    const site = await startSite();
    sites.push(site.server);
    const siteOrigin = site.origin;

    // A publishable key, created the way a person does it.
    await page.goto(`/w/${workspaceId}/settings/api-keys`);
    await page.getByLabel("Key name").fill("Shop website");
    await page.getByLabel(/Publishable key for browsers/).check();
    await page.getByLabel("Allowed origins").fill(siteOrigin);
    await page.getByRole("button", { name: "Create key" }).click();
    const token = await page.getByTestId("copy-once").locator("input").inputValue();
    expect(token).toMatch(/^slk_/);
    await expect(page.getByTestId("api-key-table")).toContainText(`publishable, from ${siteOrigin}`);
    const keys = await api.query<{ id: string; name: string }[]>("apiKey.list", { workspaceId });
    const keyId = keys.find((k) => k.name === "Shop website")!.id;

    const { id: secretId } = await api.call<{ id: string }>("secret.create", {
      workspaceId,
      name: "sink-db",
      value: process.env.DATABASE_URL,
    });
    const { id: pipelineId } = await api.call<{ id: string }>("pipeline.create", { workspaceId, name: "Shop events" });
    await api.call("pipeline.saveDraft", {
      workspaceId,
      pipelineId,
      baseRevision: 0,
      graph: {
        nodes: [
          {
            id: "ingest",
            type: "http-ingest",
            typeVersion: 1,
            config: { pathKey, apiKeyId: keyId },
            position: { x: 0, y: 0 },
          },
          {
            id: "sink",
            type: "postgres-sink",
            typeVersion: 1,
            config: {
              connectionSecretId: secretId,
              table,
              mode: "upsert",
              keyColumns: ["event_id"],
              columns: [
                { column: "event_id", expression: "event.id" },
                { column: "event_type", expression: "event.type" },
              ],
            },
            position: { x: 350, y: 0 },
          },
        ],
        edges: [{ id: "e1", source: "ingest", sourcePort: "out", target: "sink", targetPort: "in" }],
      },
    });
    const version = await api.call<{ id: string }>("version.publish", {
      workspaceId,
      pipelineId,
      message: "sdk",
      baseRevision: 1,
    });
    await api.call("deployment.deploy", { workspaceId, pipelineId, versionId: version.id });
    // Running once the endpoint answers the site's preflight.
    await expect
      .poll(
        async () =>
          (
            await fetch(endpoint, {
              method: "OPTIONS",
              headers: { origin: siteOrigin, "access-control-request-method": "POST" },
            })
          ).status,
        { timeout: 45_000 },
      )
      .toBe(204);

    site.use(endpoint, token);

    const count = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

    // 1. Online: page view + 10 clicks.
    await page.goto(siteOrigin);
    await page.evaluate(async () => {
      const w = window as unknown as {
        sluice: { page(): void; track(t: string, p?: object): void; flush(): Promise<void> };
      };
      w.sluice.page();
      for (let i = 0; i < 10; i++) w.sluice.track("click", { i });
      await w.sluice.flush();
    });
    expect(
      await page.evaluate(() => (window as unknown as { sluice: { stats(): Stats } }).sluice.stats()),
    ).toMatchObject({ sent: 11, failed: 0, queued: 0 });
    await expect.poll(count, { timeout: 30_000 }).toBe(11);

    // 2. Offline: tracked events stay in localStorage; the page closes while offline; the next visit sends them.
    await context.setOffline(true);
    await page.evaluate(async () => {
      const w = window as unknown as { sluice: { track(t: string): void; flush(): Promise<void> } };
      for (let i = 0; i < 5; i++) w.sluice.track("offline_click");
      await w.sluice.flush();
    });
    expect(
      await page.evaluate(() => (window as unknown as { sluice: { stats(): Stats } }).sluice.stats()),
    ).toMatchObject({ sent: 11, queued: 5 });
    await page.close();
    await context.setOffline(false);
    const next = await context.newPage();
    await next.goto(siteOrigin);
    await expect.poll(count, { timeout: 30_000 }).toBe(16);

    // 3. Reload with events still queued (no flush): the beacon and the stored copy deliver them once.
    await next.evaluate(() => {
      const w = window as unknown as { sluice: { track(t: string): void } };
      for (let i = 0; i < 3; i++) w.sluice.track("before_reload");
    });
    await next.reload();
    await expect.poll(count, { timeout: 30_000 }).toBe(19);
    const types = (
      await db.query<{ event_type: string; n: string }>(
        `SELECT event_type, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    expect(types).toEqual([
      { event_type: "before_reload", n: "3" },
      { event_type: "click", n: "10" },
      { event_type: "offline_click", n: "5" },
      { event_type: "page_view", n: "1" },
    ]);

    // 4. Another origin with the same key is refused at the preflight: nothing is accepted.
    const other = await startSite();
    other.use(endpoint, token);
    sites.push(other.server);
    const otherPage = await context.newPage();
    await otherPage.goto(other.origin);
    const stats = await otherPage.evaluate(async () => {
      const w = window as unknown as { sluice: { track(t: string): void; flush(): Promise<void>; stats(): Stats } };
      w.sluice.track("stolen_key");
      await w.sluice.flush();
      return w.sluice.stats();
    });
    expect(stats).toMatchObject({ sent: 0, queued: 1 });
    expect(await count()).toBe(19);
  } finally {
    for (const s of sites) s.close();
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  }
});
