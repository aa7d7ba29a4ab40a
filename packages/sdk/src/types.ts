/** JSON values an event may carry in `props`, `traits` and `context`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Props = { [key: string]: Json };

/** One event as the ingest endpoint accepts it (see IncomingEvent in @sluice/shared). */
export type SdkEvent = {
  id: string;
  type: string;
  userId?: string;
  anonymousId: string;
  sessionId?: string;
  timestamp: string;
  props: Props;
  context: Props;
};

export type ClientStats = {
  /** Events the endpoint accepted (2xx). */
  sent: number;
  /** Events dropped because the in-memory queue was full (oldest first). */
  dropped: number;
  /** Events the endpoint refused for good (4xx other than 429), or rejected individually in a 202. */
  failed: number;
  /** Events waiting to be sent. */
  queued: number;
};

export type ClientOptions = {
  /** The ingest URL of an http-ingest node, e.g. `https://ingest.example.com/v1/ingest/web`. */
  endpoint: string;
  /** A Sluice API key; in a browser only a publishable (ingest-only, origin-restricted) key. */
  key: string;
  /** Send when this many events are queued. Default 20. */
  maxBatchEvents?: number;
  /** Send when the queued events reach this many bytes of JSON. Default 60,000 (under the 64 KiB keepalive limit). */
  maxBatchBytes?: number;
  /** Send queued events at least this often, in ms. Default 1,000. */
  flushIntervalMs?: number;
  /** Most events kept in memory; beyond it the oldest are dropped (and counted). Default 1,000. */
  maxQueueEvents?: number;
  /** First retry delay in ms; doubles per attempt with full jitter. Default 500. */
  retryBaseMs?: number;
  /** Longest retry delay in ms. Default 30,000. */
  retryMaxMs?: number;
  /**
   * Give up on a request not answered within this many ms and send its batch again later (same event
   * ids). Default 10,000.
   */
  requestTimeoutMs?: number;
  /** Keep unsent events in localStorage so they survive a reload (browser only). Default false. */
  persist?: boolean;
  /** Attach page, referrer, user agent, locale and timezone to each event (browser only). Default true. */
  collectContext?: boolean;
  /** Whether the user consented to tracking. While false nothing is queued or sent. Default true. */
  consent?: boolean;
  /** Minutes of inactivity after which a new session id starts. Default 30. */
  sessionTimeoutMinutes?: number;
  /** Called when a batch is refused for good or events are rejected; never throws into your code. */
  onError?: (error: Error) => void;
};

export type Client = {
  /** Queues an event of `type` with `props`. */
  track(type: string, props?: Props): void;
  /** Sets the user id for later events and sends an `identify` event with `traits`. */
  identify(userId: string, traits?: Props): void;
  /** Sends a `page_view` event for the current page (browser) or the given path. */
  page(props?: Props & { path?: string; title?: string }): void;
  /** Starts or stops tracking; withdrawing consent also discards queued events. */
  setConsent(granted: boolean): void;
  /** Forgets the user id and anonymous id (e.g. on sign-out). */
  reset(): void;
  /** Sends everything queued now; resolves when the endpoint answered for all of it (or gave up for now). */
  flush(): Promise<void>;
  /** Flushes, then stops timers and page listeners. */
  close(): Promise<void>;
  stats(): ClientStats;
};
