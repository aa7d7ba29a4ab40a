// Import rules checked by `npm test` (the lint phase): `depcruise --config .dependency-cruiser.mjs apps packages`.
//
// The runner's layers, top to bottom; a module imports its own layer or lower ones only:
//   entry     src/main.ts, src/supervisor.ts, src/engine-process.ts, src/wiring.ts, src/settings.ts
//                                                             processes, wiring, settings
//   control   src/control/                                     which deployments run, and starting one
//   sources   src/sources/, src/views/  |  stage  src/stage/   events in (ingest), results out (views)  |  a batch processed
//   observe   src/observe/                                     metrics, tap, node health, lag, snapshots, alerts
//   queue     src/queue/                                       BullMQ (stage jobs, alert deliveries): the only BullMQ user
//   services  src/services/, src/http/                         clients of Postgres, Redis, webhooks; the HTTP server
//   base      src/env.ts, log.ts, timeout.ts, version.ts, lifecycle.ts, process-messages.ts
// Tests (*.test.ts) may import any layer (they wire parts together).

const RUNNER = "^apps/runner/src/";
const layer = {
  entry: `${RUNNER}(main|supervisor|engine-process|wiring|settings)\\.ts$`,
  control: `${RUNNER}control/`,
  sources: `${RUNNER}(sources|views)/`,
  stage: `${RUNNER}stage/`,
  observe: `${RUNNER}observe/`,
  queue: `${RUNNER}queue/`,
  services: `${RUNNER}(services|http)/`,
  base: `${RUNNER}(env|log|timeout|version|lifecycle|process-messages)\\.ts$`,
};
const notTest = "\\.test\\.ts$";
/** Files of apps/web/src/app that run on the server (all others there are "use client" modules). */
const NEXT_SERVER_FILES = "(page|layout|route|loading|not-found|template|default)\\.tsx?$";

/** `from` may not import any of `above`. */
const downwardOnly = (name, from, above) => ({
  name: `runner-${name}-imports-downward`,
  severity: "error",
  comment: `apps/runner/src layers import downward only (see the order at the top of .dependency-cruiser.mjs): ${name} may not import ${above.join(", ")}.`,
  from: { path: layer[from], pathNot: notTest },
  to: { path: above.map((l) => layer[l]) },
});

export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles in apps/ and packages/ (type-only imports count too).",
      from: { path: "^(apps|packages)/" },
      to: { circular: true },
    },
    downwardOnly("control", "control", ["entry"]),
    downwardOnly("sources", "sources", ["entry", "control", "stage"]),
    downwardOnly("stage", "stage", ["entry", "control", "sources"]),
    downwardOnly("observe", "observe", ["entry", "control", "sources", "stage"]),
    downwardOnly("queue", "queue", ["entry", "control", "sources", "stage", "observe"]),
    downwardOnly("services", "services", ["entry", "control", "sources", "stage", "observe", "queue"]),
    downwardOnly("base", "base", ["entry", "control", "sources", "stage", "observe", "queue", "services"]),
    {
      name: "runner-bullmq-only-in-queue",
      severity: "error",
      comment: "BullMQ is used in apps/runner/src/queue/ only.",
      from: { path: RUNNER, pathNot: [layer.queue, notTest] },
      to: { path: "node_modules/bullmq/" },
    },
    {
      name: "web-client-code-not-server",
      severity: "error",
      comment:
        "Client code of apps/web (src/components, src/lib, and the 'use client' modules of src/app: everything but page, layout, route and the other Next.js server files) never imports src/server. Type-only imports (the tRPC AppRouter type) are erased and allowed.",
      from: {
        path: "^apps/web/src/(components|lib|app)/",
        pathNot: [
          `^apps/web/src/app/${NEXT_SERVER_FILES}`,
          `^apps/web/src/app/.*/${NEXT_SERVER_FILES}`,
          "\\.test\\.tsx?$",
        ],
      },
      to: { path: "^apps/web/src/server/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "packages-not-apps",
      severity: "error",
      comment: "packages/ never import apps/.",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Generated and built files of our own workspaces (npm packages' own dist/ must stay visible).
    exclude: { path: "^(apps|packages)/[^/]+/(src/generated|\\.next|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "apps/web/tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    skipAnalysisNotInRules: true,
  },
};
