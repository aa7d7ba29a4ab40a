// Hostile expressions in a deployed pipeline: each runtime-hostile expression sits in its own node of
// one fused chain (filter, map, route, key-by, kafka-sink key), guarded so that only its own hostile
// event evaluates it. The hostile events land in that node's dead-letter topic with the reason
// (`expression.budget` "expression exceeded budget", or the evaluation error), the normal events
// interleaved with them are all delivered, and expressions refused at compile time make the
// deployment fail (a problem on each node) instead of running.
import {
  compileExpression,
  decodeDeadLetterHeaders,
  MAX_EXPRESSION_LENGTH,
  validateGraph,
  type EventRecord,
} from "@sluice/shared";
import { describe, expect, it } from "vitest";
import {
  HOSTILE_EVENT,
  HOSTILE_EXPRESSIONS,
  type HostileExpression,
} from "../../../packages/shared/src/test-support/hostile-expressions";
import { createApiKey, createPipeline, deploy, ownTopic, readAll, waitRunning, useEngineWorld } from "./engine-world";
import { graph, type EdgeSpec, type NodeSpec } from "./graphs";
import { eventually, uniqueName } from "./services";

/** Ingested events keep custom fields under `props`. The lone surrogate is left out: ingest may refuse it. */
const asIngested = (source: string) => source.replace(/\bevent\./g, "event.props.");
const { lone: _lone, ...hostileProps } = HOSTILE_EVENT;
const LIST20 = `[${Array.from({ length: 20 }, (_, i) => i + 1).join(", ")}]`;
const OVER_BUDGET = `${LIST20}.all(a, ${LIST20}.all(b, ${LIST20}.all(c, a + b + c > 0)))`;

type Case = {
  kind: string;
  node: NodeSpec;
  expected: "budget" | "error" | "ok";
  guarded: string;
  expressionKind: HostileExpression["kind"];
};

/** One node per hostile expression; only the event whose props.kind is `kind` evaluates it. */
function caseFor(hostile: HostileExpression, index: number): Case | undefined {
  if (typeof hostile.outcome === "object" || hostile.source.includes("event.lone")) return undefined;
  const kind = `h${index}`;
  const source = asIngested(hostile.source);
  const guarded =
    hostile.kind === "predicate"
      ? `event.props.kind != "${kind}" || (${source})`
      : hostile.kind === "key"
        ? `event.props.kind == "${kind}" ? string(${source}) : event.id`
        : `event.props.kind == "${kind}" ? dyn(${source}) : dyn(0)`;
  if (guarded.length > MAX_EXPRESSION_LENGTH) return undefined;
  const id = `n${index}`;
  const node: NodeSpec =
    hostile.kind === "predicate"
      ? { id, type: "filter", config: { condition: guarded } }
      : hostile.kind === "key"
        ? { id, type: "key-by", config: { key: guarded } }
        : { id, type: "map", config: { assignments: [{ target: `r${index}`, expression: guarded }] } };
  return { kind, node, expected: hostile.outcome, guarded, expressionKind: hostile.kind };
}

describe("engine: hostile expressions", () => {
  const setup = useEngineWorld({
    topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
    pool: { concurrency: 2, attempts: 3, backoffMs: 100 },
  });

  it("dead-letters each hostile event at its node with the reason and delivers every other event", async () => {
    const { world, running } = setup;
    const cases = HOSTILE_EXPRESSIONS.map(caseFor).filter((c): c is Case => c !== undefined);
    // Route, key-by and the kafka-sink's key run over-budget expressions too.
    cases.push(
      {
        kind: "route",
        node: {
          id: "route",
          type: "route",
          config: {
            routes: [{ port: "pass", condition: `event.props.kind != "route" || ${OVER_BUDGET}` }],
            defaultPort: "other",
          },
        },
        expected: "budget",
        guarded: "",
        expressionKind: "predicate",
      },
      {
        kind: "key-by",
        node: {
          id: "keyby",
          type: "key-by",
          config: { key: `event.props.kind == "key-by" ? string(${OVER_BUDGET}) : event.id` },
        },
        expected: "budget",
        guarded: "",
        expressionKind: "key",
      },
    );
    expect(cases.length).toBeGreaterThanOrEqual(45);

    const pipeline = await createPipeline(world, "hostile");
    const key = await createApiKey(world);
    const pathKey = uniqueName("hostile").toLowerCase();
    const outTopic = uniqueName("sluice-test-hostile-out");
    const nodes: NodeSpec[] = [
      { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, maxBodyBytes: 2_000_000 } },
      ...cases.map((c) => c.node),
      {
        id: "out",
        type: "kafka-sink",
        config: { topic: outTopic, key: `event.props.kind == "sink-key" ? string(${OVER_BUDGET}) : event.id` },
      },
    ];
    const chain = ["ingest", ...cases.map((c) => c.node.id), "out"];
    const edges: EdgeSpec[] = chain
      .slice(1)
      .map((id, i) => [chain[i]!, id, chain[i] === "route" ? { port: "pass" } : undefined]);
    const { deploymentId } = await deploy(world, pipeline.id, graph(nodes, edges));
    await waitRunning(world, deploymentId, 120_000);
    await world.kafka.admin.createTopics([{ topic: ownTopic(world, outTopic), partitions: 1 }]);

    // Normal events interleaved with the hostile ones, several requests (hostile events are ~40 kB).
    const hostileKinds = [...cases.map((c) => c.kind), "sink-key"];
    const hostile = hostileKinds.map((kind) => ({
      id: `hostile-${kind}`,
      type: "hostile",
      userId: "mallory",
      props: { ...hostileProps, kind },
    }));
    const normal = Array.from({ length: 200 }, (_, i) => ({
      id: `normal-${i}`,
      type: "click",
      userId: `u-${i % 7}`,
      props: { kind: "normal", n: i },
    }));
    const mixed = normal.flatMap((event, i) => (hostile[i] ? [event, hostile[i]] : [event]));
    const started = performance.now();
    for (let i = 0; i < mixed.length; i += 25) {
      const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(mixed.slice(i, i + 25)),
        headers: { "x-api-key": key.token },
      });
      expect(response.status, await response.text()).toBe(202);
    }

    // What should pass: every normal event, and the hostile events whose expression evaluates fine (a
    // predicate only if it is true), computed with the same compiler the runner uses.
    const passes = (c: Case): boolean => {
      if (c.expected !== "ok") return false;
      if (c.expressionKind !== "predicate") return true;
      const compiled = compileExpression(c.guarded, { kind: "predicate" });
      if (!compiled.ok) throw new Error(compiled.error.message);
      return compiled.evaluate({ event: hostile.find((h) => h.props.kind === c.kind) as unknown as EventRecord });
    };
    const expectedOut = [...normal.map((e) => e.id), ...cases.filter(passes).map((c) => `hostile-${c.kind}`)].sort();
    const delivered = await readAll(world, ownTopic(world, outTopic), expectedOut.length);
    expect(delivered.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual(expectedOut);

    // Every failing hostile event is in its own node's dead-letter topic, with the reason.
    const failing = [
      ...cases
        .filter((c) => c.expected !== "ok")
        .map((c) => ({ kind: c.kind, nodeId: c.node.id, expected: c.expected })),
      { kind: "sink-key", nodeId: "out", expected: "budget" as const },
    ];
    const dlqTopics = failing.map((f) => `sluice.${world.workspaceId}.${pipeline.id}.${f.nodeId}.dlq`);
    const dead: { topic: string; id: string; code: string; message: string }[] = [];
    const consumer = world.kafka.consumer({
      groupId: uniqueName("hostile-dlq"),
      topics: dlqTopics,
      fetch: { maxWaitMs: 100 },
    });
    await consumer.start({
      onMessage: (m) => {
        const headers = decodeDeadLetterHeaders(m.headers);
        if (!headers.success) throw new Error("dead letter without headers");
        dead.push({
          topic: m.topic,
          id: (JSON.parse(m.value!.toString()) as { id: string }).id,
          code: headers.data.errorCode,
          message: headers.data.errorMessage,
        });
      },
      onError: (e) => {
        throw e;
      },
    });
    try {
      await eventually(() => expect(dead.length).toBeGreaterThanOrEqual(failing.length), { timeoutMs: 60_000 });
    } finally {
      await consumer.close();
    }
    const elapsedMs = performance.now() - started;
    expect(dead.map((d) => `${d.topic} ${d.id}`).sort()).toEqual(
      failing.map((f, i) => `${dlqTopics[i]} hostile-${f.kind}`).sort(),
    );
    for (const f of failing) {
      const letter = dead.find((d) => d.id === `hostile-${f.kind}`)!;
      if (f.expected === "budget") {
        expect(letter.code, f.kind).toBe("expression.budget");
        expect(letter.message, f.kind).toMatch(/^expression exceeded budget/);
      } else {
        expect(letter.code, f.kind).toBe("expression.evaluation");
      }
    }
    // Nothing hung: 250+ events, about 50 of them hostile, through ~50 nodes in well under a minute.
    expect(elapsedMs).toBeLessThan(60_000);
    await world.kafka.admin.deleteTopics([ownTopic(world, outTopic)]);
  });

  it("refuses to run expressions rejected at compile time, naming each node", async () => {
    const { world } = setup;
    const refused = HOSTILE_EXPRESSIONS.filter(
      (h) => typeof h.outcome === "object" && h.outcome.compile !== "expression.too-long",
    );
    expect(refused.length).toBeGreaterThanOrEqual(15);
    const pipeline = await createPipeline(world, "refused");
    const key = await createApiKey(world);
    const nodes: NodeSpec[] = [
      { id: "ingest", type: "http-ingest", config: { pathKey: uniqueName("refused").toLowerCase(), apiKeyId: key.id } },
      ...refused.map(
        (h, i): NodeSpec =>
          h.kind === "predicate"
            ? { id: `c${i}`, type: "filter", config: { condition: h.source } }
            : { id: `c${i}`, type: "map", config: { assignments: [{ target: "r", expression: h.source }] } },
      ),
      { id: "out", type: "kafka-sink", config: { topic: uniqueName("sluice-test-refused") } },
    ];
    const chain = nodes.map((n) => n.id);
    const refusedGraph = graph(
      nodes,
      chain.slice(1).map((id, i): EdgeSpec => [chain[i]!, id]),
    );
    const { deploymentId } = await deploy(world, pipeline.id, refusedGraph);
    const row = await eventually(
      async () => {
        const r = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
        if (r.status !== "failing") throw new Error(`status ${r.status}`);
        return r;
      },
      { timeoutMs: 30_000 },
    );
    expect(row.statusReason).toMatch(/^invalid graph: /);
    // The runner's plan refuses on validateGraph's problems: one per node, with the expected code.
    const problems = validateGraph(refusedGraph);
    refused.forEach((h, i) => {
      const outcome = h.outcome as { compile: string };
      expect(
        problems.filter((p) => p.nodeId === `c${i}` && p.severity === "error").map((p) => p.code),
        h.name,
      ).toContain(outcome.compile);
    });
  });
});
