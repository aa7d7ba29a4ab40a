// Reconcile passes never overlap: a request during a pass runs one more pass after it, and any number
// of requests during a pass collapse into that one.
export type SerialPasses = {
  /** Runs a pass after the current one (or now); resolves when it ran. */
  request(): Promise<void>;
  /** Resolves when no pass runs. */
  idle(): Promise<void>;
};

/** `skip()` true: a queued pass does not run (the reconciler stopped). A failed pass goes to `onError`; the next request runs again. */
export function createSerialPasses(
  pass: () => Promise<void>,
  options: { skip(): boolean; onError(err: unknown): void },
): SerialPasses {
  let current: Promise<void> = Promise.resolve();
  let queued = false;
  return {
    request() {
      if (queued) return current;
      queued = true;
      current = current.then(async () => {
        queued = false;
        if (options.skip()) return;
        try {
          await pass();
        } catch (err) {
          options.onError(err);
        }
      });
      return current;
    },
    idle: () => current,
  };
}
