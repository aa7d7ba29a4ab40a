import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Two projects: fast unit tests (pure code) and integration tests that talk to the real
// Postgres, Redis and Kafka started by scripts/lib/services.ts. Integration files run one at a
// time because they share those services and the 2-core machine.
export default defineConfig({
  resolve: {
    alias: {
      "server-only": here("./test/server-only-stub.ts"),
      "@/": here("./apps/web/src/"),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{packages,apps}/*/src/**/*.test.{ts,tsx}", "apps/*/bench/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["{packages,apps}/*/{src,test}/**/*.integration.test.ts", "test/**/*.integration.test.ts"],
          exclude: ["**/node_modules/**"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
