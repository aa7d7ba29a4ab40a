// An ingest path or view this process does not know may still be a deployment it has not started: one
// of a runner that is starting (its first reconcile pass has not completed: "pending" at once, no extra
// pass), a deploy whose announcement reached another engine process first (that one already reports it
// running, so clients start sending), or one announced while this process was busy. Before answering
// "not found", the process runs a reconcile pass that begins after the request and looks again while
// that pass starts deployments. Passes asked for this way are at most one per `gapMs`, shared by every
// request waiting for them, so a flood of unknown paths cannot keep Postgres busy.
import { setTimeout as sleep } from "node:timers/promises";

/** found: the thing appeared; absent: a fresh pass completed without it; pending: the pass is still running after `capMs`. */
type CatchUpAnswer = "found" | "absent" | "pending";

export type CatchUp = (found: () => boolean) => Promise<CatchUpAnswer>;

export function createCatchUp(
  /** Runs a pass that begins after the call (or shares one that has not begun) and resolves when it ran. */
  reconcile: () => Promise<void>,
  options: {
    /** False until the first pass completed (default always true). */
    ready?: () => boolean;
    gapMs?: number;
    capMs?: number;
    pollMs?: number;
  } = {},
): CatchUp {
  const ready = options.ready ?? (() => true);
  const gapMs = options.gapMs ?? 500;
  const capMs = options.capMs ?? 3000;
  const pollMs = options.pollMs ?? 25;
  let next: Promise<void> | undefined;
  let lastAt = -Infinity;

  /** A pass requested after this call: the one being scheduled if any, else a new one once the gap has passed. */
  function freshPass(): Promise<void> {
    if (next) return next;
    next = sleep(Math.max(0, lastAt + gapMs - Date.now())).then(() => {
      // Requests from here on need a pass that begins later than this one may.
      next = undefined;
      lastAt = Date.now();
      return reconcile();
    });
    return next;
  }

  return async (found) => {
    if (!ready()) return "pending";
    let done = false;
    const pass = freshPass().then(() => (done = true));
    const deadline = Date.now() + capMs;
    // A deployment's ingest is usable as soon as its topics exist, well before the pass has started it.
    while (!done && Date.now() < deadline) {
      if (found()) return "found";
      await Promise.race([pass, sleep(pollMs)]);
    }
    if (found()) return "found";
    return done ? "absent" : "pending";
  };
}
