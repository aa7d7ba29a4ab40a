import type { NodeConfig, TransformTypeId } from "../nodes/registry";
import type { AsyncCore, Core, StatefulCore } from "./core-types";
import { DedupCore, type DedupState } from "./dedup-core";
import { createEnrichCore, type EnrichLookup } from "./enrich-core";
import { createFilterCore } from "./filter-core";
import { createKeyByCore } from "./key-by-core";
import { createMapCore } from "./map-core";
import { createMaskPiiCore } from "./mask-pii-core";
import { createRouteCore } from "./route-core";
import { SessionizeCore, type SessionizeState } from "./sessionize-core";
import { createValidateCore } from "./validate-core";
import { WindowCore, type WindowState } from "./window-core";

/** What cores need from outside: secret values, the enrich lookup, checkpointed state. */
export type CoreDependencies = {
  secret?: (secretId: string) => string | undefined;
  lookup?: EnrichLookup;
  /** A snapshot previously returned by the same node's stateful core. */
  state?: unknown;
};

export type AnyCore =
  | { kind: "stateless"; core: Core }
  | { kind: "stateful"; core: StatefulCore<unknown> }
  | { kind: "async"; core: AsyncCore };

/**
 * One factory per transform type, as a mapped type over TransformTypeId: a new transform without a
 * core does not compile. Used by preview (whole-draft runs) and available to the runner.
 */
export const transformCoreFactories: {
  [K in TransformTypeId]: (config: NodeConfig<K>, deps: CoreDependencies) => AnyCore;
} = {
  filter: (config) => ({ kind: "stateless", core: createFilterCore(config) }),
  map: (config) => ({ kind: "stateless", core: createMapCore(config) }),
  validate: (config) => ({ kind: "stateless", core: createValidateCore(config) }),
  "mask-pii": (config, deps) => ({
    kind: "stateless",
    core: createMaskPiiCore(config, config.saltSecretId ? { salt: deps.secret?.(config.saltSecretId) } : {}),
  }),
  "key-by": (config) => ({ kind: "stateless", core: createKeyByCore(config) }),
  route: (config) => ({ kind: "stateless", core: createRouteCore(config) }),
  enrich: (config, deps) => {
    if (!deps.lookup) throw new Error("enrich needs a lookup function");
    return { kind: "async", core: createEnrichCore(config, deps.lookup) };
  },
  dedup: (config, deps) => ({ kind: "stateful", core: new DedupCore(config, deps.state as DedupState | undefined) }),
  window: (config, deps) => ({ kind: "stateful", core: new WindowCore(config, deps.state as WindowState | undefined) }),
  sessionize: (config, deps) => ({
    kind: "stateful",
    core: new SessionizeCore(config, deps.state as SessionizeState | undefined),
  }),
};

export function createTransformCore<K extends TransformTypeId>(
  type: K,
  config: NodeConfig<K>,
  deps: CoreDependencies = {},
): AnyCore {
  const factory = transformCoreFactories[type] as (config: NodeConfig<K>, deps: CoreDependencies) => AnyCore;
  return factory(config, deps);
}
