// Settings shared by `npm start`, `npm test` and `npm run bench`: service URLs (overridable by the
// same env names the apps and docker-compose.yml use) and per-checkout generated secrets.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths";

export type LocalSecrets = { BETTER_AUTH_SECRET: string; SLUICE_SECRET_KEY: string };

/**
 * Secrets for local runs, generated once per checkout into .cache/ (git-ignored, mode 600).
 * Production sets them in the environment instead; explicit env always wins.
 */
export function localSecrets(): LocalSecrets {
  const dir = join(repoRoot, ".cache");
  const file = join(dir, "secrets.json");
  let saved: Partial<LocalSecrets> = {};
  if (existsSync(file)) saved = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
  const secrets: LocalSecrets = {
    BETTER_AUTH_SECRET: saved.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
    SLUICE_SECRET_KEY: saved.SLUICE_SECRET_KEY ?? randomBytes(32).toString("base64"),
  };
  if (
    saved.BETTER_AUTH_SECRET !== secrets.BETTER_AUTH_SECRET ||
    saved.SLUICE_SECRET_KEY !== secrets.SLUICE_SECRET_KEY
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return {
    BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? secrets.BETTER_AUTH_SECRET,
    SLUICE_SECRET_KEY: process.env.SLUICE_SECRET_KEY ?? secrets.SLUICE_SECRET_KEY,
  };
}

export function serviceUrls(defaults: { database: string; redis: string }) {
  return {
    databaseUrl: process.env.DATABASE_URL ?? defaults.database,
    redisUrl: process.env.REDIS_URL ?? defaults.redis,
    kafkaBrokers: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
  };
}
