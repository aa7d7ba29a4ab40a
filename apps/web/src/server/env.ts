import "server-only";
import { z } from "zod";

// The only place the web app reads process.env. Validated once, on first use, with a message that
// names every bad variable (no stack trace for a configuration mistake).
const Env = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().url().default("postgresql://root@127.0.0.1:5432/sluice"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  KAFKA_BROKERS: z.string().min(1).default("127.0.0.1:9092"),
  /** The runner's internal listener (its /healthz), not its public ingest port. */
  RUNNER_INTERNAL_URL: z.string().url().default("http://127.0.0.1:4101"),
  /** Base URL clients send events to (the runner's ingest behind your proxy), shown in "Send events". Default: the local runner. */
  INGEST_PUBLIC_URL: z.string().url().default("http://127.0.0.1:4100"),
  /** Public base URL of the app; used for auth callbacks, CSRF origin checks and invitation links. */
  APP_URL: z.string().url().default("http://localhost:3000"),
  /** Signs session cookies. At least 32 characters; `npm start` generates one per checkout. */
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** Allow alert webhooks to private/loopback addresses (local development and tests only). */
  ALLOW_PRIVATE_WEBHOOKS: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Bearer token that makes /api/health show per-service details (16+ characters). Default empty: status only. */
  HEALTH_TOKEN: z.union([z.literal(""), z.string().min(16, "must be empty or at least 16 characters")]).default(""),
  /** 32-byte key (base64) that encrypts connector secrets at rest. */
  SLUICE_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded"),
});
export type Env = z.infer<typeof Env>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid Sluice web configuration:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}
