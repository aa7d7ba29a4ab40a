import { Redis } from "ioredis";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsChannel, historyStreamKey } from "@sluice/shared";
import { alertHub } from "@/server/alert-hub";
import { latestHealth } from "@/server/metrics-overview";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let pipelineId: string;
const pub = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1");

beforeAll(async () => {
  f = await teamFixture();
  pipelineId = (await callerFor(f.users.editor).pipeline.create({ workspaceId: f.ws.id, name: "Watched alerts" })).id;
});
afterAll(async () => {
  pub.disconnect();
  await prisma.$disconnect();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e: unknown) => (e instanceof TRPCError ? e.code : Promise.reject(e)),
  );

/** Records a transition the way the runner's evaluator does: the row, then the message. */
async function transition(ruleId: string, state: "firing" | "resolved", workspaceId = f.ws.id, pid = pipelineId) {
  const event = await prisma.alertEvent.create({
    data: { ruleId, workspaceId, pipelineId: pid, state, value: 1, message: `rule: ${state}` },
  });
  await pub.publish(alertsChannel(workspaceId), JSON.stringify(event));
  return event;
}

describe("firing alerts and the live alert stream", () => {
  it("lists only enabled rules whose latest transition is firing", async () => {
    const admin = callerFor(f.users.admin);
    const rule = await admin.alert.createRule({
      workspaceId: f.ws.id,
      pipelineId,
      name: "Stalled",
      kind: "throughput_below",
      threshold: 1e6,
      forSeconds: 2,
    });
    const viewer = callerFor(f.users.viewer);
    expect(await viewer.alert.firing({ workspaceId: f.ws.id })).toEqual([]);
    await transition(rule.id, "firing");
    const firing = await viewer.alert.firing({ workspaceId: f.ws.id, pipelineId });
    expect(firing.map((a) => [a.ruleId, a.pipelineName])).toEqual([[rule.id, "Watched alerts"]]);
    await transition(rule.id, "resolved");
    expect(await viewer.alert.firing({ workspaceId: f.ws.id })).toEqual([]);
    await transition(rule.id, "firing");
    await admin.alert.updateRule({ workspaceId: f.ws.id, ruleId: rule.id, enabled: false });
    expect(await viewer.alert.firing({ workspaceId: f.ws.id })).toEqual([]);
    // Another team's firing alerts never show here.
    expect(await codeOf(callerFor(f.stranger).alert.firing({ workspaceId: f.ws.id }))).toBe("NOT_FOUND");
  });

  it("streams transitions of the viewer's workspace only, over one shared Redis subscription", async () => {
    const rule = await callerFor(f.users.admin).alert.createRule({
      workspaceId: f.ws.id,
      pipelineId,
      name: "Lag",
      kind: "lag_seconds",
      threshold: 1,
      forSeconds: 0,
    });
    const theirPipeline = (await callerFor(f.stranger).pipeline.create({ workspaceId: f.other.id, name: "Theirs" })).id;
    const theirRule = await callerFor(f.stranger).alert.createRule({
      workspaceId: f.other.id,
      pipelineId: theirPipeline,
      name: "t",
      kind: "node_failing",
      threshold: 0,
    });

    const ac = new AbortController();
    const streams = await Promise.all(
      [f.users.viewer, f.users.admin].map(async (u) =>
        (await callerFor(u, ac.signal).alert.live({ workspaceId: f.ws.id }))[Symbol.asyncIterator](),
      ),
    );
    const nexts = streams.map((s) => s.next());
    // The subscription attaches asynchronously: wait until the hub listens, then publish.
    for (let i = 0; i < 100 && alertHub().size() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(alertHub().size()).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    await transition(theirRule.id, "firing", f.other.id, theirPipeline);
    const sent = Date.now();
    const mine = await transition(rule.id, "firing");
    const received = await Promise.all(nexts);
    expect(Date.now() - sent).toBeLessThan(2000);
    for (const r of received)
      expect(r.value).toMatchObject({ id: mine.id, ruleId: rule.id, state: "firing", pipelineId });
    ac.abort();
    await Promise.all(streams.map((s) => s.return?.()));
    expect(alertHub().size()).toBe(0);
    expect(
      await codeOf(
        callerFor(f.stranger)
          .alert.live({ workspaceId: f.ws.id })
          .then((s) => s[Symbol.asyncIterator]().next()),
      ),
    ).toBe("NOT_FOUND");
  });

  it("the overview reads the newest per-second entry of each runner", async () => {
    const key = historyStreamKey(pipelineId, "1s");
    const now = Date.now();
    const entry = (runnerId: string, n: number, lagSec: number) =>
      JSON.stringify({
        runnerId,
        at: now,
        nodes: { gen: { in: n, out: n, err: 0, dlq: 0 }, sink: { in: n, out: 0, err: 1, dlq: 1 } },
        edges: { t: { lag: 5, lagSec } },
        sinks: { sink: 2 },
      });
    await pub.xadd(key, "*", "d", entry("a", 10, 1));
    await pub.xadd(key, "*", "d", entry("b", 30, 7));
    const graph = {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
        { id: "sink", type: "kafka-sink", typeVersion: 1, config: {}, position: { x: 0, y: 0 } },
      ],
      edges: [],
    };
    const health = (await latestHealth([{ id: pipelineId, graph }], now + 100)).get(pipelineId);
    expect(health).toMatchObject({
      inPerSec: 40,
      outPerSec: 38,
      maxLagSeconds: 7,
      maxLagMessages: 5,
      freshnessSeconds: 2,
      health: "warn",
    });
    await pub.del(key);
  });
});
