// The ingest client of the chaos scenarios: deterministic events, `concurrency` workers that each own a
// disjoint set of users and send that users' events strictly in order (a request waits for its 2xx
// before the next), retrying a request on any non-2xx or connection error (on the next runner, after
// Retry-After for 429). Every event id of a 2xx is recorded: those are the events the pipeline owes.
export const EVENT_TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup"] as const;

export type ChaosEvent = {
  id: string;
  type: string;
  userId: string;
  timestamp: string;
  props: { seq: number; amount: number | string };
};

export type StreamSpec = {
  events: number;
  /** Users; a multiple of `concurrency`, so each worker owns whole users. */
  users: number;
  /** Event time of event 0 and the event-time step between consecutive events. */
  baseTime: number;
  msPerEvent: number;
  /** Every `poisonEvery`-th event carries a value the pipeline's validate node rejects. */
  poisonEvery?: number;
  seed: number;
};

/** A small seeded PRNG (mulberry32): the same seed gives the same stream and the same chaos points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const isPoison = (spec: StreamSpec, i: number) =>
  spec.poisonEvery !== undefined && i % spec.poisonEvery === spec.poisonEvery - 1;

/** Event `i` of the stream: user i % users, per-user sequence i / users, event time base + i * step. */
export function eventAt(spec: StreamSpec, i: number, typeOf: (i: number) => string): ChaosEvent {
  return {
    id: `ev-${spec.seed}-${i}`,
    type: typeOf(i),
    userId: `u-${i % spec.users}`,
    timestamp: new Date(spec.baseTime + i * spec.msPerEvent).toISOString(),
    props: { seq: Math.floor(i / spec.users), amount: isPoison(spec, i) ? "not-a-number" : (i % 997) / 10 },
  };
}

/** The event types of a stream, fixed by its seed. */
export function typesOf(spec: StreamSpec): (i: number) => string {
  const random = seededRandom(spec.seed);
  const types = Array.from({ length: spec.events }, () => EVENT_TYPES[Math.floor(random() * EVENT_TYPES.length)]!);
  return (i) => types[i] ?? "click";
}

export type LoadResult = {
  accepted: Map<string, ChaosEvent>;
  requests: number;
  /** Responses by status ("error" = no response: connection refused/reset). */
  statuses: Record<string, number>;
  seconds: number;
  /** Longest time one request took from first try to its 2xx (ms). */
  longestRetryMs: number;
};

export type LoadOptions = {
  urls: () => string[];
  pathKey: string;
  apiKey: string;
  concurrency: number;
  batch: number;
  /** Called after each accepted request with the number of events accepted so far. */
  onProgress?: (accepted: number) => void | Promise<void>;
  /** Offer at most this many events a second (all workers together). Default: as fast as they are accepted. */
  eventsPerSecond?: number;
  /** Stop retrying one request after this long (the scenario then fails). Default 300 s. */
  giveUpMs?: number;
};

/** Sends events `from` .. `to` - 1 of the stream. */
export async function sendStream(
  spec: StreamSpec,
  range: { from: number; to: number },
  options: LoadOptions,
): Promise<LoadResult> {
  if (spec.users % options.concurrency !== 0) throw new Error("users must be a multiple of concurrency");
  const typeOf = typesOf(spec);
  const result: LoadResult = { accepted: new Map(), requests: 0, statuses: {}, seconds: 0, longestRetryMs: 0 };
  const started = Date.now();
  let next = 0;
  let offered = 0;
  const count = (status: string) => (result.statuses[status] = (result.statuses[status] ?? 0) + 1);

  const post = async (events: ChaosEvent[]) => {
    const first = Date.now();
    let lastAnswer = "";
    for (let attempt = 0; ; attempt++) {
      if (Date.now() - first > (options.giveUpMs ?? 300_000))
        throw new Error(
          `ingest did not accept a request within ${options.giveUpMs ?? 300_000} ms (last answer: ${lastAnswer})`,
        );
      const urls = options.urls();
      const url = urls[(next++ + attempt) % urls.length]!;
      result.requests++;
      let wait = Math.min(100 * 2 ** attempt, 2000);
      try {
        const response = await fetch(`${url}/v1/ingest/${options.pathKey}`, {
          method: "POST",
          body: JSON.stringify(events),
          headers: { "x-api-key": options.apiKey, "content-type": "application/json" },
          signal: AbortSignal.timeout(30_000),
        });
        count(String(response.status));
        if (response.status >= 200 && response.status < 300) {
          const body = (await response.json()) as { accepted: number; rejected: number };
          if (body.accepted !== events.length)
            throw new Error(`ingest rejected ${body.rejected} of ${events.length} valid events`);
          for (const e of events) result.accepted.set(e.id, e);
          result.longestRetryMs = Math.max(result.longestRetryMs, Date.now() - first);
          return;
        }
        lastAnswer = `${response.status} ${(await response.text()).slice(0, 200)}`;
        const retryAfter = Number(response.headers.get("retry-after"));
        // Retry-After is the server's upper bound; a chaos client probes sooner to measure recovery.
        if (response.status === 429 && retryAfter > 0) wait = Math.min(retryAfter * 1000, 1000);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("ingest rejected")) throw error;
        lastAnswer =
          error instanceof Error
            ? `${error.message} ${String((error.cause as { code?: string } | undefined)?.code ?? "")}`
            : String(error);
        count("error");
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  };

  const worker = async (w: number) => {
    // Worker w owns the users u with u % concurrency === w: event i belongs to user i % users.
    const mine: number[] = [];
    for (let i = range.from; i < range.to; i++) if ((i % spec.users) % options.concurrency === w) mine.push(i);
    for (let k = 0; k < mine.length; k += options.batch) {
      const events = mine.slice(k, k + options.batch).map((i) => eventAt(spec, i, typeOf));
      if (options.eventsPerSecond) {
        const due = started + (offered / options.eventsPerSecond) * 1000;
        offered += events.length;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      await post(events);
      await options.onProgress?.(result.accepted.size);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
