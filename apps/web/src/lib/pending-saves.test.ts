import { describe, expect, it } from "vitest";
import { pendingSavesSettled, trackSave } from "./pending-saves";
import { canKeepalive } from "./trpc-keepalive";

describe("pending saves", () => {
  it("waits for every tracked save, failed ones and ones started while waiting included", async () => {
    const order: string[] = [];
    let finishFirst!: () => void;
    void trackSave(new Promise<void>((resolve) => (finishFirst = resolve))).then(() => order.push("first"));
    const failing = trackSave(Promise.reject(new Error("offline")));
    failing.catch(() => order.push("failed"));
    const settled = pendingSavesSettled().then(() => order.push("settled"));
    // A save handed over while the first still runs (an editor unmounting meanwhile).
    void trackSave(new Promise<void>((resolve) => setTimeout(resolve, 20))).then(() => order.push("later"));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(["failed"]);
    finishFirst();
    await settled;
    expect(order).toEqual(["failed", "first", "later", "settled"]);
    await pendingSavesSettled(); // nothing pending: resolves at once
  });

  it("sends drafts under the browser's keepalive cap as keepalive requests, bigger ones normally", () => {
    const draft = (labelLength: number) => ({
      workspaceId: "w",
      pipelineId: "p",
      baseRevision: 3,
      graph: { nodes: [{ id: "n", label: "x".repeat(labelLength) }], edges: [] },
    });
    expect(canKeepalive(draft(1_000))).toBe(true);
    expect(canKeepalive(draft(70_000))).toBe(false);
    // Multi-byte text counts in bytes: 25k characters of 3 bytes each are over the cap.
    expect(canKeepalive({ ...draft(0), graph: { nodes: [{ id: "n", label: "€".repeat(25_000) }], edges: [] } })).toBe(
      false,
    );
  });
});
