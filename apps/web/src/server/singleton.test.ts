import { describe, expect, it } from "vitest";
import { singleton } from "./singleton";

describe("singleton", () => {
  it("creates once per process, on first use, and survives a module re-evaluation", () => {
    let created = 0;
    const make = () => singleton(`test-${import.meta.url}`, () => ({ n: ++created }));
    const first = make();
    expect(created).toBe(0);
    const a = first();
    // A dev reload re-evaluates the module: a new accessor for the same name finds the same instance.
    expect(make()()).toBe(a);
    expect(first()).toBe(a);
    expect(created).toBe(1);
  });
});
