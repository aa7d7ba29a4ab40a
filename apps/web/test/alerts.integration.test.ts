import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let pipelineId: string;

beforeAll(async () => {
  f = await teamFixture();
  pipelineId = (await callerFor(f.users.editor).pipeline.create({ workspaceId: f.ws.id, name: "Alerted" })).id;
});
afterAll(async () => {
  await prisma.$disconnect();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e: unknown) => (e instanceof TRPCError ? e.code : Promise.reject(e)),
  );

describe("alert rules", () => {
  it("admins manage rules; viewers read them; webhooks to private hosts are refused", async () => {
    const admin = callerFor(f.users.admin);
    const rule = await admin.alert.createRule({
      workspaceId: f.ws.id,
      pipelineId,
      name: "Lagging",
      kind: "lag_seconds",
      threshold: 30,
      forSeconds: 60,
      webhookUrl: "https://hooks.example.com/sluice",
    });
    expect(rule.kind).toBe("lag_seconds");
    expect(
      (await callerFor(f.users.viewer).alert.listRules({ workspaceId: f.ws.id, pipelineId })).map((r) => r.id),
    ).toContain(rule.id);
    expect(
      await codeOf(
        callerFor(f.users.editor).alert.createRule({
          workspaceId: f.ws.id,
          pipelineId,
          name: "x",
          kind: "error_rate",
          threshold: 5,
        }),
      ),
    ).toBe("FORBIDDEN");
    expect(
      await codeOf(
        admin.alert.updateRule({ workspaceId: f.ws.id, ruleId: rule.id, webhookUrl: "http://169.254.169.254/latest" }),
      ),
    ).toBe("BAD_REQUEST");
    const updated = await admin.alert.updateRule({
      workspaceId: f.ws.id,
      ruleId: rule.id,
      threshold: 45,
      enabled: false,
    });
    expect(updated).toMatchObject({ threshold: 45, enabled: false });
    await admin.alert.deleteRule({ workspaceId: f.ws.id, ruleId: rule.id });
    expect(await admin.alert.listRules({ workspaceId: f.ws.id, pipelineId })).toEqual([]);
  });

  it("IDOR: another team's rules and pipelines are not found", async () => {
    const theirPipeline = (await callerFor(f.stranger).pipeline.create({ workspaceId: f.other.id, name: "Theirs" })).id;
    const theirRule = await callerFor(f.stranger).alert.createRule({
      workspaceId: f.other.id,
      pipelineId: theirPipeline,
      name: "t",
      kind: "node_failing",
      threshold: 0,
    });
    const owner = callerFor(f.users.owner);
    expect(
      await codeOf(
        owner.alert.createRule({
          workspaceId: f.ws.id,
          pipelineId: theirPipeline,
          name: "x",
          kind: "freshness",
          threshold: 10,
        }),
      ),
    ).toBe("NOT_FOUND");
    expect(await codeOf(owner.alert.updateRule({ workspaceId: f.ws.id, ruleId: theirRule.id, threshold: 1 }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(owner.alert.deleteRule({ workspaceId: f.ws.id, ruleId: theirRule.id }))).toBe("NOT_FOUND");
    expect((await owner.alert.listRules({ workspaceId: f.ws.id })).some((r) => r.id === theirRule.id)).toBe(false);
    expect(await prisma.alertRule.count({ where: { id: theirRule.id } })).toBe(1);
  });
});
