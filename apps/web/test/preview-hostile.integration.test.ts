// Hostile expressions through `pipeline.preview`: each is refused or answered within the limits,
// previews run in worker threads with a 2 s deadline, and the web process's own event loop keeps
// answering (a health check's latency stays under 1 s) while they run and time out.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue, PipelineGraph } from "@sluice/shared";
import {
  HOSTILE_EVENT,
  HOSTILE_EXPRESSIONS,
  type HostileExpression,
} from "../../../packages/shared/src/test-support/hostile-expressions";
import { PREVIEW_LIMITS } from "@/server/preview/preview-pool";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await teamFixture();
});
afterAll(async () => {
  await prisma.$disconnect();
});

const position = { x: 0, y: 0 };

/** kafka-source → the node under test, so sample events reach it unchanged. */
function graphFor(hostile: Pick<HostileExpression, "kind" | "source">): PipelineGraph {
  const node: { type: string; config: { [key: string]: JsonValue } } =
    hostile.kind === "predicate"
      ? { type: "filter", config: { condition: hostile.source } }
      : hostile.kind === "key"
        ? { type: "key-by", config: { key: hostile.source } }
        : { type: "map", config: { assignments: [{ target: "result", expression: hostile.source }] } };
  return {
    nodes: [
      { id: "src", type: "kafka-source", typeVersion: 1, config: { topic: "web.events" }, position },
      { id: "x", typeVersion: 1, position, ...node },
    ],
    edges: [{ id: "e1", source: "src", sourcePort: "out", target: "x", targetPort: "in" }],
  };
}

/** Worst event-loop stall while `work` runs: what a health check arriving meanwhile would wait at most. */
async function worstStallMs<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

async function errorOf(p: Promise<unknown>): Promise<TRPCError | null> {
  try {
    await p;
    return null;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
}

describe("preview of hostile expressions", () => {
  it("answers each of the 50+ hostile expressions on 20 events within the limits, without stalling the web process", async () => {
    expect(HOSTILE_EXPRESSIONS.length).toBeGreaterThanOrEqual(50);
    const editor = callerFor(f.users.editor);
    const sampleEvents = { src: Array.from({ length: 20 }, (_, i) => ({ ...HOSTILE_EVENT, id: `evt_${i}` })) };
    // The first call starts the worker threads; later ones reuse them.
    await editor.pipeline.preview({
      workspaceId: f.ws.id,
      graph: graphFor({ kind: "predicate", source: "true" }),
      sampleEvents,
    });
    for (const hostile of HOSTILE_EXPRESSIONS) {
      const what = `${hostile.name}: ${hostile.source.slice(0, 60)}`;
      const started = performance.now();
      const { result, stallMs } = await worstStallMs(() =>
        editor.pipeline
          .preview({ workspaceId: f.ws.id, graph: graphFor(hostile), sampleEvents })
          .catch((error: Error) => {
            throw new Error(`${what}: ${error.message}`);
          }),
      );
      const elapsedMs = performance.now() - started;
      const node = result.results["x"]!;
      if (typeof hostile.outcome === "object") {
        expect(node.status, what).toBe("skipped");
        // The config schema caps an expression's length before it is compiled.
        const code =
          hostile.outcome.compile === "expression.too-long" ? "node.invalid-config" : hostile.outcome.compile;
        expect(
          result.problems.filter((p) => p.nodeId === "x").map((p) => p.code),
          what,
        ).toContain(code);
      } else if (hostile.outcome === "ok") {
        expect(node.status, what).toBe("ran");
        expect(node.errors, what).toEqual([]);
      } else {
        expect(node.errors, what).toHaveLength(20);
        const codes = new Set(node.errors.map((e) => e.error.code));
        expect([...codes], what).toEqual([
          hostile.outcome === "budget" ? "expression.budget" : "expression.evaluation",
        ]);
        if (hostile.outcome === "budget")
          expect(node.errors[0]!.error.message, what).toMatch(/^expression exceeded budget/);
      }
      // Answered, not cut off by the deadline, and the request thread never stalled.
      expect(elapsedMs, what).toBeLessThan(PREVIEW_LIMITS.timeMs + 1_000);
      expect(stallMs, what).toBeLessThan(1_000);
    }
  });

  it("stops 5 previews at once after 2 s with a clear error while the process keeps answering, then previews again", async () => {
    const editor = callerFor(f.users.editor);
    // Under budget per event (30 x 30 steps), but 1,000 events through 20 such filters take far longer than 2 s.
    const condition = "event.items.all(a, event.items.all(b, a + b > 0))";
    const graph: PipelineGraph = {
      nodes: [
        { id: "src", type: "kafka-source", typeVersion: 1, config: { topic: "web.events" }, position },
        ...Array.from({ length: 20 }, (_, i) => ({
          id: `f${i}`,
          type: "filter",
          typeVersion: 1,
          config: { condition },
          position,
        })),
      ],
      edges: Array.from({ length: 20 }, (_, i) => ({
        id: `e${i}`,
        source: i === 0 ? "src" : `f${i - 1}`,
        sourcePort: "out",
        target: `f${i}`,
        targetPort: "in",
      })),
    };
    const items = Array.from({ length: 30 }, (_, i) => i + 1);
    const sampleEvents = { src: Array.from({ length: 1_000 }, (_, i) => ({ id: `evt_${i}`, items })) };

    const started = performance.now();
    const pings: number[] = [];
    const { result: errors, stallMs } = await worstStallMs(async () => {
      const previews = Promise.all(
        Array.from({ length: 5 }, () =>
          errorOf(editor.pipeline.preview({ workspaceId: f.ws.id, graph, sampleEvents })),
        ),
      );
      // A cheap request of the same process (its health check) answers meanwhile.
      const pinging = (async () => {
        for (let i = 0; i < 10; i++) {
          const t = performance.now();
          await prisma.$queryRaw`SELECT 1`;
          pings.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const [settled] = await Promise.all([previews, pinging]);
      return settled;
    });
    for (const error of errors) {
      expect(error?.code).toBe("TIMEOUT");
      expect(error?.message).toMatch(/^Preview stopped after 2 s/);
    }
    expect(stallMs).toBeLessThan(1_000);
    expect(Math.max(...pings)).toBeLessThan(1_000);
    // Two workers, five previews: three rounds of 2 s, plus starting the replacement workers (slow
    // here: unbundled workers compile TypeScript on start).
    expect(performance.now() - started).toBeLessThan(3 * PREVIEW_LIMITS.timeMs + 30_000);

    const after = await editor.pipeline.preview({
      workspaceId: f.ws.id,
      graph: graphFor({ kind: "predicate", source: 'event.id == "evt_1"' }),
      sampleEvents: { src: sampleEvents.src.slice(0, 3) },
    });
    expect(after.results["x"]!.outputs["out"]).toEqual([sampleEvents.src[1]]);
  });

  it("refuses results over the output cap with a clear error", async () => {
    const editor = callerFor(f.users.editor);
    // 300 events of 20k characters, copied twice by the map: about 18 MB of JSON.
    const sampleEvents = { src: Array.from({ length: 300 }, (_, i) => ({ id: `evt_${i}`, text: HOSTILE_EVENT.text })) };
    const error = await errorOf(
      editor.pipeline.preview({
        workspaceId: f.ws.id,
        graph: graphFor({ kind: "value", source: "event.text + event.text" }),
        sampleEvents,
      }),
    );
    expect(error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error?.message).toMatch(/^Preview results are too large \(\d+\.\d MB of JSON, limit 5 MB\)/);
  });
});
