#!/usr/bin/env node
// Generates the Prisma 7 client into packages/db/src/generated/prisma (git-ignored).
// Works offline on a fresh clone: see engineEnv() in lib/prisma-cli.mjs for why no engine is needed.
import { generateClient } from "./lib/prisma-cli.mjs";

try {
  await generateClient();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
