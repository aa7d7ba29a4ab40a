import { describeError } from "@sluice/kafka";
import type { Logger } from "../log";
import { withTimeout } from "../timeout";
import type { Probe } from "./probes";

const DISPLAY: Record<Probe["name"], string> = { postgres: "Postgres", redis: "Redis", kafka: "Kafka" };

/** A service stayed unavailable at start. The message has one line per service and names its variable. */
export class ServiceUnavailableError extends Error {
  override readonly name = "ServiceUnavailableError";

  constructor(
    readonly failures: { probe: Probe; reason: string }[],
    waitedMs: number,
  ) {
    super(
      failures
        .map(({ probe, reason }) => {
          const what = DISPLAY[probe.name];
          return `${what} at ${probe.target} is not available (${reason}) after ${Math.round(waitedMs / 100) / 10} s: start ${what} or fix ${probe.envVar}`;
        })
        .join("\n"),
    );
    this.stack = this.message;
  }
}

export type WaitOptions = {
  /** How long services may take to come up (they may be starting with us). Default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 500 ms. */
  everyMs?: number;
  log: Logger;
};

/** Resolves once every probe passed once; throws ServiceUnavailableError naming those that never did. */
export async function waitForServices(probes: Probe[], options: WaitOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const failures: { probe: Probe; reason: string }[] = [];
  await Promise.all(
    probes.map(async (probe) => {
      let attempt = 0;
      for (;;) {
        attempt++;
        try {
          await withTimeout(probe.check(), Math.max(250, Math.min(2000, deadline - Date.now())), "no answer");
          if (attempt > 1) options.log.info({ dependency: probe.name, attempt }, "service reachable");
          return;
        } catch (error) {
          const reason = describeError(error);
          if (Date.now() + (options.everyMs ?? 500) >= deadline) {
            failures.push({ probe, reason });
            return;
          }
          if (attempt === 1)
            options.log.warn(
              { dependency: probe.name, target: probe.target, reason },
              "service not available yet; retrying",
            );
          await new Promise((r) => setTimeout(r, options.everyMs ?? 500));
        }
      }
    }),
  );
  // In probe order, so the message reads the same on every run.
  failures.sort((a, b) => probes.indexOf(a.probe) - probes.indexOf(b.probe));
  if (failures.length > 0) throw new ServiceUnavailableError(failures, timeoutMs);
}
