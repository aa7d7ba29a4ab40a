// The browser bundle's budget is enforced by the build; this keeps it enforced in `npm test` too.
import { describe, expect, it } from "vitest";
import { browserBundle, SIZE_BUDGET_BYTES } from "../build";

describe("browser bundle", () => {
  it(`stays within ${SIZE_BUDGET_BYTES} bytes minified and gzipped, exposing window.Sluice`, async () => {
    const { code, gzipBytes } = await browserBundle();
    expect(gzipBytes).toBeLessThanOrEqual(SIZE_BUDGET_BYTES);
    expect(gzipBytes).toBeGreaterThan(1000);
    expect(new TextDecoder().decode(code)).toMatch(/^"use strict";var Sluice=/);
  });
});
