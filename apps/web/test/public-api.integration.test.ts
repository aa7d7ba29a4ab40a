import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlePublicApi } from "@/server/public-api/handle";
import { openApiDocument } from "@/server/public-api/openapi";
import { publicRoutes } from "@/server/public-api/routes";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let editorToken: string;
let viewerToken: string;

beforeAll(async () => {
  f = await teamFixture();
  editorToken = (
    await callerFor(f.users.editor).personalToken.create({ workspaceId: f.ws.id, name: "ci", expiresInDays: 7 })
  ).token;
  viewerToken = (
    await callerFor(f.users.viewer).personalToken.create({ workspaceId: f.ws.id, name: "ci", expiresInDays: 7 })
  ).token;
});
afterAll(async () => {
  await prisma.$disconnect();
});

function call(method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return handlePublicApi(
    new Request(`http://localhost/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    path,
  );
}

const graph = {
  nodes: [
    { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
    { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "api-out" }, position: { x: 300, y: 0 } },
  ],
  edges: [{ id: "e", source: "gen", sourcePort: "out", target: "out", targetPort: "in" }],
};

describe("public HTTP API", () => {
  it("creates from a document, updates the draft, publishes and exports with a token", async () => {
    const created = await call("POST", "/pipelines", editorToken, {
      format: "sluice.pipeline",
      formatVersion: 1,
      name: "From CI",
      description: "",
      graph,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const got = (await (await call("GET", `/pipelines/${id}`, editorToken)).json()) as {
      draftRevision: number;
      name: string;
    };
    expect(got.name).toBe("From CI");
    const changed = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === "out" ? { ...n, config: { topic: "api-out-2" } } : n)),
    };
    expect(
      (await call("PUT", `/pipelines/${id}/draft`, editorToken, { graph: changed, baseRevision: got.draftRevision }))
        .status,
    ).toBe(200);
    const stale = await call("PUT", `/pipelines/${id}/draft`, editorToken, { graph, baseRevision: got.draftRevision });
    expect(stale.status).toBe(409);
    const published = await call("POST", `/pipelines/${id}/versions`, editorToken, {
      message: "ci",
      baseRevision: got.draftRevision + 1,
    });
    expect(published.status).toBe(201);
    expect(((await published.json()) as { number: number }).number).toBe(1);
    const exported = (await (await call("GET", `/pipelines/${id}/export`, editorToken)).json()) as {
      graph: typeof graph;
    };
    expect(exported.graph.nodes.find((n) => n.id === "out")?.config).toEqual({ topic: "api-out-2" });
    const audit = await prisma.auditLog.findFirst({
      where: { workspaceId: f.ws.id, action: "version.publish" },
      orderBy: { id: "desc" },
    });
    expect(audit?.actorType).toBe("api_token");
  });

  it("acts with the token user's role: an editor cannot deploy, a viewer cannot edit", async () => {
    const { id } = (await (
      await call("POST", "/pipelines", editorToken, {
        format: "sluice.pipeline",
        formatVersion: 1,
        name: "Roles",
        graph,
      })
    ).json()) as { id: string };
    const v = (await (await call("POST", `/pipelines/${id}/versions`, editorToken, { baseRevision: 0 })).json()) as {
      id: string;
    };
    expect((await call("POST", `/pipelines/${id}/deploy`, editorToken, { versionId: v.id })).status).toBe(403);
    expect((await call("PUT", `/pipelines/${id}/draft`, viewerToken, { graph, baseRevision: 0 })).status).toBe(403);
    expect((await call("GET", `/pipelines/${id}`, viewerToken)).status).toBe(200);
  });

  it("refuses missing, revoked and malformed requests clearly", async () => {
    expect((await call("GET", "/pipelines", null)).status).toBe(401);
    expect((await call("GET", "/pipelines", "slp_not-a-real-token")).status).toBe(401);
    expect((await call("DELETE", "/pipelines", editorToken)).status).toBe(405);
    expect((await call("GET", "/nope", editorToken)).status).toBe(404);
    const bad = await call("PUT", "/pipelines/x/draft", editorToken, { graph: { nodes: "no" } });
    expect(bad.status).toBe(400);
    const t = await callerFor(f.users.admin).personalToken.create({
      workspaceId: f.ws.id,
      name: "short",
      expiresInDays: 1,
    });
    expect((await call("GET", "/pipelines", t.token)).status).toBe(200);
    await callerFor(f.users.admin).personalToken.revoke({ tokenId: t.id });
    expect((await call("GET", "/pipelines", t.token)).status).toBe(401);
  });

  it("never reaches another workspace, even with an id from it", async () => {
    const theirs = await callerFor(f.stranger).pipeline.create({ workspaceId: f.other.id, name: "Secret plans" });
    expect((await call("GET", `/pipelines/${theirs.id}`, editorToken)).status).toBe(404);
    const list = (await (await call("GET", "/pipelines", editorToken)).json()) as { id: string }[];
    expect(list.some((p) => p.id === theirs.id)).toBe(false);
  });

  it("is described by an OpenAPI document generated from the same routes", () => {
    const doc = openApiDocument("http://localhost:3000");
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.values(doc.paths).flatMap((p) => Object.keys(p));
    expect(ops).toHaveLength(publicRoutes.length);
    expect(doc.paths["/pipelines/{pipelineId}/draft"]?.put).toBeDefined();
  });
});
