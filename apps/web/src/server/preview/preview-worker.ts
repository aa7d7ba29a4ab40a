import { parentPort } from "node:worker_threads";
import { type EnrichLookup, runPreview } from "@sluice/shared";
import type { PreviewLookupReply, PreviewWorkerReply, PreviewWorkerRequest } from "./preview-messages";

// Entry of a preview worker thread (see preview-pool.ts). Runs one preview at a time; the pool
// terminates the whole thread when a preview passes its deadline, which is the only way to stop
// synchronous work in JavaScript. Enrich lookups are asked of the main thread (preview-lookups.ts).
const port = parentPort;
if (!port) throw new Error("preview-worker.ts runs as a worker thread only");

const pendingLookups = new Map<number, (reply: PreviewLookupReply) => void>();
let nextCall = 1;

port.on("message", (message: PreviewWorkerRequest | PreviewLookupReply) => {
  if (message.type === "lookup") {
    pendingLookups.get(message.call)?.(message);
    pendingLookups.delete(message.call);
    return;
  }
  void answer(message).then((reply) => port.postMessage(reply));
});
port.postMessage({ type: "ready" } satisfies PreviewWorkerReply);

function lookupFor(id: number, nodeId: string): EnrichLookup {
  return (keys) =>
    new Promise((resolve, reject) => {
      const call = nextCall++;
      pendingLookups.set(call, (reply) =>
        "error" in reply ? reject(new Error(reply.error)) : resolve(new Map(reply.rows)),
      );
      port!.postMessage({ type: "lookup", id, call, nodeId, keys: [...keys] } satisfies PreviewWorkerReply);
    });
}

async function answer({
  id,
  graph,
  options,
  lookups,
  maxOutputChars,
}: PreviewWorkerRequest): Promise<PreviewWorkerReply> {
  try {
    const lookup = (nodeId: string) => {
      const unavailable = lookups[nodeId];
      if (unavailable === undefined) return undefined;
      return unavailable === null ? lookupFor(id, nodeId) : { unavailable };
    };
    const json = JSON.stringify(await runPreview(graph, { ...options, lookup }));
    if (json.length > maxOutputChars) return { type: "too-large", id, size: json.length };
    // One string crosses the thread boundary instead of a structured clone of every event.
    return { type: "done", id, json };
  } catch (error) {
    return { type: "failed", id, message: error instanceof Error ? error.message : String(error) };
  }
}
