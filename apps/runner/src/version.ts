import pkg from "../package.json" with { type: "json" };

/** The runner's own version, as in apps/runner/package.json. */
export const RUNNER_VERSION: string = pkg.version;
