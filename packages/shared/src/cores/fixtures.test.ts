import { describe, expect, it } from "vitest";
import { CoreFixture, runCoreFixture } from "./core-fixture";
import dedupAcrossBatches from "./fixtures/dedup-across-batches.json";
import enrichLookup from "./fixtures/enrich-lookup.json";
import filterBasic from "./fixtures/filter-basic.json";
import keyByHotKeys from "./fixtures/key-by-hot-keys.json";
import mapBasic from "./fixtures/map-basic.json";
import maskPiiBasic from "./fixtures/mask-pii-basic.json";
import routeAllMatches from "./fixtures/route-all-matches.json";
import routeFirstMatch from "./fixtures/route-first-match.json";
import sessionizeBasic from "./fixtures/sessionize-basic.json";
import sessionizeMaxDuration from "./fixtures/sessionize-max-duration.json";
import validateBasic from "./fixtures/validate-basic.json";
import windowHopping from "./fixtures/window-hopping.json";
import windowSessionMerge from "./fixtures/window-session-merge.json";
import windowTumblingLate from "./fixtures/window-tumbling-late.json";
import { nodeRegistry } from "../nodes/registry";

const fixtures: Record<string, unknown> = {
  "dedup-across-batches": dedupAcrossBatches,
  "enrich-lookup": enrichLookup,
  "filter-basic": filterBasic,
  "key-by-hot-keys": keyByHotKeys,
  "map-basic": mapBasic,
  "mask-pii-basic": maskPiiBasic,
  "route-all-matches": routeAllMatches,
  "route-first-match": routeFirstMatch,
  "sessionize-basic": sessionizeBasic,
  "sessionize-max-duration": sessionizeMaxDuration,
  "validate-basic": validateBasic,
  "window-hopping": windowHopping,
  "window-session-merge": windowSessionMerge,
  "window-tumbling-late": windowTumblingLate,
};

describe("golden core fixtures", () => {
  for (const [name, raw] of Object.entries(fixtures)) {
    it(`${name}: ${(raw as { description: string }).description}`, async () => {
      const fixture = CoreFixture.parse(raw);
      const actual = await runCoreFixture(fixture);
      expect(actual).toEqual(fixture.batches.map((batch) => batch.expected));
    });
  }

  it("covers every transform type", () => {
    const covered = new Set(Object.values(fixtures).map((raw) => CoreFixture.parse(raw).node.type));
    const transforms = Object.values(nodeRegistry)
      .filter((d) => d.category === "transform")
      .map((d) => d.type);
    expect(transforms.filter((type) => !covered.has(type))).toEqual([]);
  });
});
