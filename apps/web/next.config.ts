import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages ship TypeScript source; Next compiles them with the app.
  transpilePackages: ["@sluice/shared", "@sluice/db", "@sluice/kafka", "@sluice/schema-registry"],
  // Node-only libraries with dynamic requires or native-ish internals stay outside the bundle.
  serverExternalPackages: [
    "pg",
    "@prisma/adapter-pg",
    "@prisma/client",
    "ioredis",
    "bullmq",
    "@platformatic/kafka",
    "avsc",
    "protobufjs",
    "pino",
  ],
  // The Docker image runs the self-contained server; `npm start` uses `next start` on the normal build.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  // Trace files from the monorepo root so the standalone server includes workspace packages.
  outputFileTracingRoot: join(dirname(fileURLToPath(import.meta.url)), "..", ".."),
  // `npm test` type-checks every workspace with tsc (strict); doing it again inside `next build`
  // would double the slowest step on a 2-core machine.
  typescript: { ignoreBuildErrors: true },
  // Parallel local builds (e.g. two browser-test runs on one checkout) can each use their own folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // With a proxy (src/proxy.ts) Next buffers request bodies in memory, dropping whole socket chunks
  // (64 KiB) past this size. Twice MAX_REQUEST_BODY (server/body-limit.ts, 1 MiB): a cut body still
  // holds more than 1 MiB, so the routes answer 413 instead of parsing a truncated body.
  experimental: { proxyClientMaxBodySize: 2 * 1024 * 1024 },
  reactStrictMode: true,
};

export default config;
