// A (re)starting runner serves HTTP before its reconciler has started the running deployments (as
// main.ts does): until the first reconcile pass completed, a path key it does not know yet gets 503 +
// Retry-After (clients retry), not 401 (clients give up); afterwards 202 for a running pipeline's
// path and 401 for an unknown one (the answer a wrong API key gets). A deploy this process has not
// heard of (its notice went to another process first, or was lost) is found by catching up with
// Postgres before answering: 202, not 401.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/wiring";
import { startHttpServer, type HttpServer } from "../src/http/server";
import {
  createApiKey,
  createPipeline,
  createWorld,
  createWorldEngine,
  deploy,
  testTopics,
  waitRunning,
  type World,
} from "./engine-world";
import { ingestMapTo } from "./graphs";
import { testLogger, uniqueName } from "./services";

describe("engine: ingest while the runner starts", () => {
  let world: World;
  let engine: Engine | undefined;
  let http: HttpServer | undefined;

  beforeAll(async () => {
    world = await createWorld();
  });

  afterAll(async () => {
    await http?.close(100);
    await engine?.stop();
    await world?.close();
  });

  it("answers 503 + Retry-After for unknown paths until the first reconcile pass completed, then 202 / 401", async () => {
    const pipeline = await createPipeline(world, "startup");
    const key = await createApiKey(world);
    const pathKey = uniqueName("startup").toLowerCase();
    // Deployed while no runner runs.
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      ingestMapTo(pathKey, key.id, { id: "out", type: "kafka-sink", config: { topic: `${pipeline.id}.external` } }),
    );

    engine = createWorldEngine(world, { topics: testTopics(1) });
    // HTTP first, like main.ts (health checks answer while the engine starts).
    http = await startHttpServer({ host: "127.0.0.1", port: 0, routes: engine.routes, log: testLogger });
    const post = (path: string) =>
      fetch(`${http!.url}/v1/ingest/${path}`, {
        method: "POST",
        body: JSON.stringify([{ id: uniqueName("e"), type: "click", userId: "u-1" }]),
        headers: { "x-api-key": key.token },
      });

    for (const path of [pathKey, uniqueName("nowhere").toLowerCase()]) {
      const early = await post(path);
      expect(early.status).toBe(503);
      expect(early.headers.get("retry-after")).toBe("1");
      expect(await early.json()).toEqual({
        error: "starting",
        message: expect.stringContaining("starting") as unknown,
      });
    }

    await engine.start();
    await waitRunning(world, deploymentId);
    expect((await post(pathKey)).status).toBe(202);
    const unknown = await post(uniqueName("nowhere").toLowerCase());
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("retry-after")).toBeNull();
  });

  it("accepts events for a deploy it was never told about, without waiting for its next reconcile pass", async () => {
    // Its own timer would not find the deploy during this test.
    const quiet = createWorldEngine(world, { topics: testTopics(1), reconcileIntervalMs: 600_000 });
    const server = await startHttpServer({ host: "127.0.0.1", port: 0, routes: quiet.routes, log: testLogger });
    try {
      await quiet.start();
      const pipeline = await createPipeline(world, "unannounced");
      const key = await createApiKey(world);
      const pathKey = uniqueName("unannounced").toLowerCase();
      await deploy(
        world,
        pipeline.id,
        ingestMapTo(pathKey, key.id, { id: "out", type: "kafka-sink", config: { topic: `${pipeline.id}.external` } }),
        { announce: false },
      );
      const post = (path: string, token = key.token) =>
        fetch(`${server.url}/v1/ingest/${path}`, {
          method: "POST",
          body: JSON.stringify([{ id: uniqueName("e"), type: "click", userId: "u-1" }]),
          headers: { "x-api-key": token },
        });
      expect((await post(pathKey)).status).toBe(202);
      // Still 401 for a path nobody deployed, and for a wrong key on the deployed path.
      expect((await post(uniqueName("nowhere").toLowerCase())).status).toBe(401);
      expect((await post(pathKey, "sk_live_wrong")).status).toBe(401);
    } finally {
      await server.close(100);
      await quiet.stop();
    }
  });
});
