import "server-only";
import { Worker } from "node:worker_threads";
import type { NodePreview, PipelineGraph } from "@sluice/shared";
import type { PreviewLookups } from "./preview-lookups";
import type { PreviewLookupReply, PreviewWorkerReply, PreviewWorkerRequest } from "./preview-messages";
import { TimeoutError, TooLargeError, TooManyRequestsError, UnprocessableError } from "../errors";

/**
 * Previews run user expressions on user events. Expressions are budgeted per event, but a graph
 * of many nodes over 1,000 events can still add up, and synchronous JavaScript cannot be
 * interrupted. So previews run off the request thread, in a small pool of worker threads, each
 * with a deadline: past it the worker is terminated (and replaced on demand), and the caller gets
 * a clear error while the web server's own event loop never waited.
 */
export const PREVIEW_LIMITS = {
  /** Worker threads, reused across previews. Default 2. */
  workers: 2,
  /** Running time of one preview before its worker is terminated. Default 2 s. */
  timeMs: 2_000,
  /** Previews waiting for a worker before new ones are refused. Default 20. */
  queue: 20,
  /** Size of a preview's results as JSON. Default 5 million characters. */
  outputChars: 5_000_000,
  /** Heap of one worker; past it the worker dies instead of the web server. Default 256 MiB. */
  heapMb: 256,
} as const;

type PreviewInput = PreviewWorkerRequest["options"];
type Job = {
  request: PreviewWorkerRequest;
  lookups?: PreviewLookups;
  resolve: (results: Record<string, NodePreview>) => void;
  reject: (error: Error) => void;
};
type Slot = { worker: Worker; ready: boolean; job?: Job; timer?: NodeJS.Timeout };

class PreviewPool {
  private readonly slots = new Set<Slot>();
  private readonly waiting: Job[] = [];
  private nextId = 1;

  run(graph: PipelineGraph, options: PreviewInput, lookups?: PreviewLookups): Promise<Record<string, NodePreview>> {
    if (this.waiting.length >= PREVIEW_LIMITS.queue) {
      return Promise.reject(new TooManyRequestsError("Too many previews are running. Try again in a few seconds."));
    }
    return new Promise((resolve, reject) => {
      const request: PreviewWorkerRequest = {
        type: "run",
        id: this.nextId++,
        graph,
        options,
        lookups: lookups?.nodes ?? {},
        maxOutputChars: PREVIEW_LIMITS.outputChars,
      };
      this.waiting.push({ request, ...(lookups ? { lookups } : {}), resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.ready && !slot.job) this.start(slot, this.waiting.shift()!);
    }
    // Workers still starting will take the next jobs when ready; start more up to the pool size.
    let starting = [...this.slots].filter((slot) => !slot.ready).length;
    while (this.slots.size < PREVIEW_LIMITS.workers && this.waiting.length > starting) {
      this.spawn();
      starting++;
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.timer = setTimeout(() => {
      this.retire(slot);
      job.reject(
        new TimeoutError(
          `Preview stopped after ${PREVIEW_LIMITS.timeMs / 1000} s. Preview fewer events, or simplify expensive expressions (nested comprehensions, big lists).`,
        ),
      );
    }, PREVIEW_LIMITS.timeMs);
    slot.worker.postMessage(job.request);
  }

  private spawn(): void {
    // Inside Next (next build / next dev) the bundler turns this into its compiled worker chunk;
    // outside it (integration tests) the entry is TypeScript source, which tsx loads.
    const worker = new Worker(new URL("./preview-worker.ts", import.meta.url), {
      execArgv: process.env.NEXT_RUNTIME ? [] : ["--import", "tsx"],
      resourceLimits: { maxOldGenerationSizeMb: PREVIEW_LIMITS.heapMb },
    });
    // Idle workers must not keep the process alive (tests, shutdown).
    worker.unref();
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on("message", (reply: PreviewWorkerReply) => this.onReply(slot, reply));
    worker.on("error", (error: Error) => this.onExit(slot, error));
    worker.on("exit", () => this.onExit(slot, undefined));
  }

  private onReply(slot: Slot, reply: PreviewWorkerReply): void {
    if (reply.type === "ready") {
      slot.ready = true;
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.request.id !== reply.id) return;
    if (reply.type === "lookup") {
      this.lookup(slot, job, reply);
      return;
    }
    clearTimeout(slot.timer);
    slot.job = undefined;
    if (reply.type === "done") job.resolve(JSON.parse(reply.json) as Record<string, NodePreview>);
    else if (reply.type === "too-large") {
      job.reject(
        new TooLargeError(
          `Preview results are too large (${(reply.size / 1e6).toFixed(1)} MB of JSON, limit ${PREVIEW_LIMITS.outputChars / 1e6} MB). Preview fewer or smaller events.`,
        ),
      );
    } else job.reject(new Error(`Preview failed: ${reply.message}`));
    this.dispatch();
  }

  /** Answers a worker's enrich lookup, unless its preview has ended meanwhile (timed out, worker gone). */
  private lookup(slot: Slot, job: Job, ask: Extract<PreviewWorkerReply, { type: "lookup" }>): void {
    const fetched = job.lookups
      ? job.lookups.fetch(ask.nodeId, ask.keys)
      : Promise.reject(new Error("Lookup unavailable"));
    void fetched
      .then(
        (rows): PreviewLookupReply => ({ type: "lookup", call: ask.call, rows }),
        (error: Error): PreviewLookupReply => ({ type: "lookup", call: ask.call, error: error.message }),
      )
      .then((answer) => {
        if (slot.job === job) slot.worker.postMessage(answer);
      });
  }

  /** A worker died (out of memory, crashed) or was terminated: fail its job, replace it on demand. */
  private onExit(slot: Slot, error: Error | undefined): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    if (!slot.ready) {
      // A worker that cannot even start would fail the same way again: fail what waits instead of respawning in a loop.
      for (const waiting of this.waiting.splice(0))
        waiting.reject(new Error(`Preview worker failed to start: ${error?.message ?? "exited"}`));
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const outOfMemory = (error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
      job.reject(
        outOfMemory
          ? new UnprocessableError(
              `Preview ran out of memory (${PREVIEW_LIMITS.heapMb} MiB). Preview fewer or smaller events.`,
            )
          : new Error(`Preview worker stopped: ${error?.message ?? "exited"}`),
      );
    }
    this.dispatch();
  }

  private retire(slot: Slot): void {
    this.slots.delete(slot);
    void slot.worker.terminate();
    this.dispatch();
  }
}

let pool: PreviewPool | undefined;

/** Runs `runPreview` in the preview worker pool; limit breaches are domain errors with a message for the user. */
export function runPreviewOffThread(
  graph: PipelineGraph,
  options: PreviewInput,
  lookups?: PreviewLookups,
): Promise<Record<string, NodePreview>> {
  pool ??= new PreviewPool();
  return pool.run(graph, options, lookups);
}
