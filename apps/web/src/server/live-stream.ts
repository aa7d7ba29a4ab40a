import "server-only";
import type { PrismaClient } from "@sluice/db";

/** How often an open stream re-checks that its viewer is still a member of the workspace. */
const ACCESS_RECHECK_MS = 10_000;

/**
 * Turns a hub subscription into a tRPC SSE generator: yields `first` (if any), then each value the
 * hub delivers, until the client leaves or the viewer stops being a member of the workspace.
 * `latestOnly` drops values a slow client has not taken yet (a live gauge); otherwise up to
 * `maxQueued` values are kept in order (events), the oldest dropped beyond that.
 */
export async function* liveStream<T>(options: {
  subscribe: (listener: (value: T) => void) => Promise<() => Promise<void>>;
  first?: () => T | null;
  signal: AbortSignal | undefined;
  access: { prisma: PrismaClient; workspaceId: string; userId: string };
  latestOnly?: boolean;
  maxQueued?: number;
}): AsyncGenerator<T> {
  const { signal, access } = options;
  const maxQueued = options.latestOnly ? 1 : (options.maxQueued ?? 100);
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = await options.subscribe((value) => {
    queue.push(value);
    if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  let lastCheck = Date.now();
  try {
    const first = options.first?.();
    if (first) yield first;
    while (!signal?.aborted) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, ACCESS_RECHECK_MS);
        });
        wake = null;
      }
      if (Date.now() - lastCheck >= ACCESS_RECHECK_MS) {
        lastCheck = Date.now();
        const still = await access.prisma.member.count({
          where: { workspaceId: access.workspaceId, userId: access.userId },
        });
        if (still === 0) return;
      }
      while (queue.length > 0 && !signal?.aborted) yield queue.shift()!;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await unsubscribe();
  }
}
