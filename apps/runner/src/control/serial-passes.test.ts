import { describe, expect, it } from "vitest";
import { createSerialPasses } from "./serial-passes";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("serial reconcile passes", () => {
  it("never overlaps passes and collapses requests made during a pass into one more pass", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const passes = createSerialPasses(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        await tick();
        active--;
      },
      { skip: () => false, onError: () => undefined },
    );
    const first = passes.request();
    // Made before the first pass began: they are that pass.
    void passes.request();
    while (active === 0) await new Promise((r) => setImmediate(r));
    // Made while it runs: one more pass after it.
    const more = [passes.request(), passes.request(), passes.request()];
    await Promise.all([first, ...more]);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });

  it("reports a failed pass and runs the next request again", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const passes = createSerialPasses(
      async () => {
        runs++;
        if (runs === 1) throw new Error("postgres down");
      },
      { skip: () => false, onError: (err) => errors.push(err) },
    );
    await passes.request();
    await passes.request();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("postgres down");
  });

  it("skips queued passes once stopped, and idle() waits for the running one", async () => {
    let stopped = false;
    let runs = 0;
    let finished = false;
    const passes = createSerialPasses(
      async () => {
        runs++;
        await tick();
        finished = true;
      },
      { skip: () => stopped, onError: () => undefined },
    );
    void passes.request();
    await Promise.resolve();
    void passes.request();
    stopped = true;
    await passes.idle();
    expect(finished).toBe(true);
    expect(runs).toBe(1);
  });
});
