// Structured JSON logs (pino), one child logger per module. Log shippers parse the JSON; humans can
// pipe through `pino-pretty` locally. Secrets are redacted by key wherever they appear.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

// Keys whose values never reach a log line. fast-redact wildcards match one level only, so each key
// is listed at the depths our log objects reach (e.g. { req: { headers: { authorization } } }).
const SECRET_KEYS = [
  "password",
  "secret",
  "secretKey",
  "apiKey",
  "token",
  "authorization",
  "cookie",
  '"set-cookie"',
  '"x-api-key"',
  "SLUICE_SECRET_KEY",
];

const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  // Keys with dashes need bracket syntax: *.*["x-api-key"].
  const step = key.startsWith('"') ? `[${key}]` : `.${key}`;
  return ["", "*", "*.*", "*.*.*"].map((prefix) => (prefix === "" ? step.replace(/^\./, "") : `${prefix}${step}`));
});

export type LoggerOptions = {
  /** pino level. Default "info". */
  level?: string;
  /** Bound to every line, e.g. { runnerId }. Default none. */
  base?: Record<string, unknown>;
  /** Where lines go. Default stdout, written synchronously so the last lines before an exit are kept. */
  destination?: DestinationStream;
};

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "runner", ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" instead of 30: readable without a lookup table.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** The logger for one module: every line carries { module }. */
export function moduleLogger(parent: Logger, module: string): Logger {
  return parent.child({ module });
}
