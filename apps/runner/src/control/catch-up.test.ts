import { describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { createCatchUp } from "./catch-up";

describe("catching up before answering not found", () => {
  it("answers found as soon as the pass makes the thing appear, before the pass ends", async () => {
    let known = false;
    let passEnded = false;
    const catchUp = createCatchUp(
      async () => {
        await sleep(20);
        known = true; // ingest ready: topics exist
        await sleep(500); // joining consumer groups
        passEnded = true;
      },
      { pollMs: 5 },
    );
    expect(await catchUp(() => known)).toBe("found");
    expect(passEnded).toBe(false);
  });

  it("answers absent when a pass that began after the request completed without it", async () => {
    let began = 0;
    const catchUp = createCatchUp(async () => {
      began = Date.now();
      await sleep(5);
    });
    const asked = Date.now();
    expect(await catchUp(() => false)).toBe("absent");
    expect(began).toBeGreaterThanOrEqual(asked);
  });

  it("answers pending at once, without a pass, until the first pass completed", async () => {
    let passes = 0;
    const catchUp = createCatchUp(
      async () => {
        passes++;
      },
      { ready: () => false },
    );
    expect(await catchUp(() => false)).toBe("pending");
    expect(passes).toBe(0);
  });

  it("answers pending while the pass is still running after the cap", async () => {
    let release!: () => void;
    const catchUp = createCatchUp(() => new Promise<void>((r) => (release = r)), { capMs: 50, pollMs: 5 });
    expect(await catchUp(() => false)).toBe("pending");
    release();
  });

  it("shares passes among waiting requests and spaces them by the gap, so a flood costs a pass per gap", async () => {
    const starts: number[] = [];
    const catchUp = createCatchUp(
      async () => {
        starts.push(Date.now());
        await sleep(5);
      },
      { gapMs: 100 },
    );
    const flood = await Promise.all(Array.from({ length: 50 }, () => catchUp(() => false)));
    expect(flood.every((a) => a === "absent")).toBe(true);
    expect(starts).toHaveLength(1);
    // Requests made after that pass began need a later pass: one more, at least a gap after the first.
    const later = await Promise.all(Array.from({ length: 50 }, () => catchUp(() => false)));
    expect(later.every((a) => a === "absent")).toBe(true);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(95);
  });

  it("a request made while a pass is being scheduled waits for that pass, not an earlier one", async () => {
    const seen: number[] = [];
    let version = 0;
    const catchUp = createCatchUp(
      async () => {
        seen.push(version);
        await sleep(30);
      },
      { gapMs: 0 },
    );
    const first = catchUp(() => false);
    await sleep(10); // the first pass is running
    version = 1; // e.g. a deploy committed now
    const second = catchUp(() => false);
    await Promise.all([first, second]);
    expect(seen).toEqual([0, 1]);
  });
});
