import { Redis } from "ioredis";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsChannel, type MetricsSnapshotV1 } from "@sluice/shared";
import { metricsHub } from "@/server/metrics-hub";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let pipelineId: string;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1";
const pub = new Redis(redisUrl);

beforeAll(async () => {
  f = await teamFixture();
  pipelineId = (await callerFor(f.users.editor).pipeline.create({ workspaceId: f.ws.id, name: "Watched" })).id;
});
afterAll(async () => {
  pub.disconnect();
  await prisma.$disconnect();
});

function snapshot(runnerId: string, inPerSec: number): MetricsSnapshotV1 {
  const node = {
    inPerSec,
    outPerSec: inPerSec,
    errorsPerSec: 0,
    dlqPerSec: 0,
    inTotal: inPerSec,
    outTotal: inPerSec,
    errorsTotal: 0,
    dlqTotal: 0,
    retriesTotal: 0,
    bytesInPerSec: 0,
    latencyMs: { p50: 1, p95: 2, p99: 3 },
    status: "running" as const,
    lastError: null,
  };
  return {
    version: "v1",
    pipelineId,
    deploymentId: "d",
    runnerId,
    at: Date.now(),
    uptimeSeconds: 1,
    nodes: { filter: node },
    edges: [],
    fusedEdgeIds: [],
  };
}

async function publishUntil<T>(p: Promise<T>, s: () => MetricsSnapshotV1): Promise<T> {
  // The subscription attaches asynchronously; publish until the first value arrives.
  let done = false;
  void p.finally(() => (done = true));
  while (!done) {
    await pub.publish(metricsChannel(pipelineId), JSON.stringify(s()));
    await new Promise((r) => setTimeout(r, 50));
  }
  return p;
}

describe("live metrics stream", () => {
  it("delivers runner snapshots, merging runners, within well under 2 s", async () => {
    const ac = new AbortController();
    const stream = await callerFor(f.users.viewer, ac.signal).metrics.live({ workspaceId: f.ws.id, pipelineId });
    const it = stream[Symbol.asyncIterator]();
    const first = await publishUntil(it.next(), () => snapshot("runner-a", 100));
    expect(first.value?.nodes.filter?.inPerSec).toBeGreaterThanOrEqual(100);
    const sent = Date.now();
    await pub.publish(metricsChannel(pipelineId), JSON.stringify(snapshot("runner-b", 50)));
    const merged = await it.next();
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(merged.value?.nodes.filter?.inPerSec).toBe(150);
    ac.abort();
    await it.return?.();
  });

  it("shares one Redis subscription among many viewers", async () => {
    const ac = new AbortController();
    const iterators = await Promise.all(
      Array.from({ length: 50 }, async () =>
        (await callerFor(f.users.viewer, ac.signal).metrics.live({ workspaceId: f.ws.id, pipelineId }))[
          Symbol.asyncIterator
        ](),
      ),
    );
    const firsts = Promise.all(iterators.map((i) => i.next()));
    await publishUntil(firsts, () => snapshot("runner-a", 7));
    expect(metricsHub().subscribedChannels()).toBe(1);
    const counts = (await pub.call("PUBSUB", "NUMSUB", metricsChannel(pipelineId))) as [string, number];
    expect(counts[1]).toBe(1);
    ac.abort();
    await Promise.all(iterators.map((i) => i.return?.()));
  });

  it("is not found for other teams", async () => {
    const attempt = async () => {
      const s = await callerFor(f.stranger).metrics.live({ workspaceId: f.ws.id, pipelineId });
      await s[Symbol.asyncIterator]().next();
    };
    await expect(attempt()).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && e.code === "NOT_FOUND");
    // A member asking for a pipeline that does not exist: refused from inside the stream, as a tRPC error too.
    const unknown = async () => {
      const s = await callerFor(f.users.viewer).metrics.live({ workspaceId: f.ws.id, pipelineId: "no-such-pipeline" });
      await s[Symbol.asyncIterator]().next();
    };
    await expect(unknown()).rejects.toSatisfy(
      (e: unknown) => e instanceof TRPCError && e.code === "NOT_FOUND" && e.message === "Pipeline not found.",
    );
  });
});
