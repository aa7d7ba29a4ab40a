import { retryAfterMs, retryDelay } from "./backoff";
import { EventQueue, type KeyValueStorage } from "./event-queue";
import type { Client, ClientOptions, ClientStats, Props, SdkEvent } from "./types";

export const SDK_VERSION = "0.1.0";

/** Keep-alive requests and beacons may carry at most 64 KiB in total; batches stay under it. */
const KEEPALIVE_BYTES = 60_000;

// The few browser APIs the client uses, typed here so the package also type-checks without the DOM lib.
type Listening = {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
};
type Browser = Listening & {
  location: { href: string; pathname: string };
  document: Listening & { referrer: string; title: string; visibilityState: string };
  navigator: {
    userAgent: string;
    language: string;
    onLine?: boolean;
    sendBeacon?: (url: string, data: Blob) => boolean;
  };
};
type Globals = { window?: unknown; document?: unknown; localStorage?: KeyValueStorage };

/**
 * A Sluice ingest client for browsers and Node: events are queued, sent in batches by count, bytes
 * or time, retried with exponential backoff and jitter on network errors, 5xx and 429 (honouring
 * Retry-After), and flushed with a beacon when the page is hidden or closed. One request is in
 * flight at a time, so events arrive in the order they were tracked.
 */
export function createClient(options: ClientOptions): Client {
  const maxEvents = options.maxBatchEvents ?? 20;
  const maxBytes = Math.min(options.maxBatchBytes ?? KEEPALIVE_BYTES, KEEPALIVE_BYTES);
  const retryBase = options.retryBaseMs ?? 500;
  const retryMax = options.retryMaxMs ?? 30_000;
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const sessionTimeout = (options.sessionTimeoutMinutes ?? 30) * 60_000;
  const globals = globalThis as Globals;
  const browser =
    typeof globals.window === "object" && typeof globals.document === "object"
      ? (globalThis as unknown as Browser)
      : undefined;
  const storage = localStorageOrUndefined();
  // One namespace per endpoint, so two clients on one page keep separate ids and queues.
  const ns = `sluice:${options.endpoint}:`;
  const queue = new EventQueue(options.maxQueueEvents ?? 1000, options.persist ? storage : undefined, ns + "queue");
  const counts = { sent: 0, failed: 0 };
  let consent = options.consent ?? true;
  let userId = load("uid");
  let anonymousId = load("aid") ?? save("aid", newId());
  /** "<session id> <last event ms>", for when there is no storage. */
  let lastSession = "";
  let inFlight = 0;
  let sending: Promise<void> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let closed = false;

  const interval = setInterval(() => void send(), options.flushIntervalMs ?? 1000);
  (interval as { unref?: () => void }).unref?.();
  // Hidden is not gone (a tab switch): send now with keepalive; pagehide is the last chance.
  const onHidden = () => {
    if (browser?.document.visibilityState === "hidden") void send();
  };
  browser?.addEventListener("pagehide", beacon);
  browser?.document.addEventListener("visibilitychange", onHidden);
  // Events a previous page stored but could not send.
  if (queue.size > 0) void send();

  function load(name: string): string | undefined {
    return storage?.getItem(ns + name) ?? undefined;
  }

  function save(name: string, value: string | undefined): string {
    try {
      if (value === undefined) storage?.removeItem(ns + name);
      else storage?.setItem(ns + name, value);
    } catch {
      // Blocked storage: ids then live as long as the page.
    }
    return value ?? "";
  }

  function report(message: string) {
    try {
      options.onError?.(new Error(`sluice: ${message}`));
    } catch {
      // An error handler that throws must not break tracking.
    }
  }

  /** The session id, renewed after `sessionTimeout` of inactivity (shared by a site's tabs through storage). */
  function session(now: number): string {
    const [id, last] = (load("sid") ?? lastSession).split(" ");
    const current = id && now - Number(last) < sessionTimeout ? id : newId();
    lastSession = save("sid", `${current} ${now}`);
    return current;
  }

  function context(page?: Props): Props {
    const library = { name: "sluice-js", version: SDK_VERSION };
    if (!browser || options.collectContext === false) return { library };
    const { location, document, navigator } = browser;
    return {
      library,
      page: {
        url: location.href,
        path: location.pathname,
        referrer: document.referrer,
        title: document.title,
        ...page,
      },
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
  }

  function enqueue(type: string, props: Props = {}, page?: Props) {
    if (!consent || closed) return;
    const now = Date.now();
    const event: SdkEvent = {
      id: newId(),
      type,
      anonymousId,
      sessionId: session(now),
      timestamp: new Date(now).toISOString(),
      props,
      context: context(page),
    };
    if (userId) event.userId = userId;
    queue.push(event);
    if (queue.size - inFlight >= maxEvents || queue.bytes >= maxBytes) void send();
  }

  function retryLater(delay: number) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void send();
    }, delay);
    (retryTimer as { unref?: () => void }).unref?.();
  }

  /** Sends queued batches one at a time until the queue is empty or a batch must wait for a retry. */
  function send(): Promise<void> {
    if (sending || retryTimer) return sending ?? Promise.resolve();
    sending = (async () => {
      while (queue.size > 0 && consent) {
        const batch = queue.peek(0, maxEvents, maxBytes);
        inFlight = batch.length;
        let status: number;
        let body: { rejected?: number; errors?: { message: string }[] } = {};
        let retryAfter: number | undefined;
        // A request nobody answers (a server process that died holding the connection, a stalled
        // proxy) would hold the queue for as long as the platform waits: give up and retry instead.
        const abort = typeof AbortController === "function" ? new AbortController() : undefined;
        const timer = setTimeout(() => abort?.abort(), requestTimeout);
        try {
          const response = await fetch(options.endpoint, {
            method: "POST",
            headers: { "content-type": "application/json", "x-api-key": options.key },
            body: JSON.stringify(batch),
            keepalive: true,
            ...(abort ? { signal: abort.signal } : {}),
          });
          status = response.status;
          retryAfter = retryAfterMs(response.headers.get("retry-after"), Date.now());
          body = (await response.json().catch(() => ({}))) as typeof body;
        } catch {
          status = 0; // network error, DNS, CORS refusal, offline, timed out
        } finally {
          clearTimeout(timer);
          inFlight = 0;
        }
        if (status === 0 || status === 408 || status === 429 || status >= 500) {
          retryLater(retryAfter ?? retryDelay(attempt++, retryBase, retryMax));
          return;
        }
        attempt = 0;
        // The queue may have been cleared (consent withdrawn) while the request ran.
        queue.remove(0, Math.min(batch.length, queue.size));
        if (status < 300) {
          const rejected = body.rejected ?? 0;
          counts.sent += batch.length - rejected;
          counts.failed += rejected;
          if (rejected > 0) report(`${rejected} event(s) rejected: ${body.errors?.[0]?.message ?? "invalid event"}`);
        } else {
          counts.failed += batch.length;
          report(`ingest answered ${status}; ${batch.length} event(s) dropped`);
        }
      }
    })().finally(() => (sending = undefined));
    return sending;
  }

  /** Sends now, skipping a pending retry delay. */
  async function flush() {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    await sending;
    await send();
  }

  /**
   * The page is going away: hand what is not already in flight to the browser's beacon queue, which
   * outlives the page (text/plain needs no CORS preflight; the key rides in the query string since a
   * beacon cannot carry headers). The request in flight was sent with keepalive and finishes too.
   * Offline, nothing is handed over: with `persist` the next page load sends the stored events.
   * With `persist` the stored copy stays even after a beacon (a beacon's fate is unknown), so the
   * next load may send those events again under the same ids, which dedup removes.
   */
  function beacon() {
    const sendBeacon = browser?.navigator.sendBeacon?.bind(browser.navigator);
    if (!sendBeacon || !consent || browser?.navigator.onLine === false) return;
    const url = `${options.endpoint}${options.endpoint.includes("?") ? "&" : "?"}key=${encodeURIComponent(options.key)}`;
    let start = inFlight;
    while (start < queue.size) {
      const batch = queue.peek(start, maxEvents * 5, KEEPALIVE_BYTES);
      if (!sendBeacon(url, new Blob([JSON.stringify(batch)], { type: "text/plain" }))) return;
      if (options.persist) start += batch.length;
      else queue.remove(start, batch.length);
    }
  }

  return {
    track: (type, props) => enqueue(type, props),
    identify(id, traits) {
      userId = save("uid", id);
      enqueue("identify", traits);
    },
    page(props = {}) {
      const { path, title, ...rest } = props;
      const page: Props = {};
      if (typeof path === "string") page["path"] = path;
      if (typeof title === "string") page["title"] = title;
      enqueue("page_view", rest, page);
    },
    setConsent(granted) {
      consent = granted;
      if (!granted) queue.clear();
    },
    reset() {
      userId = undefined;
      save("uid", undefined);
      anonymousId = save("aid", newId());
      lastSession = save("sid", undefined);
    },
    flush,
    async close() {
      await flush();
      closed = true;
      clearInterval(interval);
      clearTimeout(retryTimer);
      browser?.removeEventListener("pagehide", beacon);
      browser?.document.removeEventListener("visibilitychange", onHidden);
    },
    stats: (): ClientStats => ({ ...counts, dropped: queue.dropped, queued: queue.size }),
  };
}

function localStorageOrUndefined(): KeyValueStorage | undefined {
  try {
    return (globalThis as Globals).localStorage ?? undefined;
  } catch {
    return undefined; // access throws when storage is disabled
  }
}

/** A random v4 UUID (crypto.randomUUID exists only in secure contexts). */
function newId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
