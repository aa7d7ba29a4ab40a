import { parentPort } from "node:worker_threads";
import { runPreview } from "@sluice/shared";
import type { PreviewWorkerReply, PreviewWorkerRequest } from "./preview-messages";

// Entry of a preview worker thread (see preview-pool.ts). Runs one preview at a time; the pool
// terminates the whole thread when a preview passes its deadline, which is the only way to stop
// synchronous work in JavaScript.
const port = parentPort;
if (!port) throw new Error("preview-worker.ts runs as a worker thread only");

port.on("message", (request: PreviewWorkerRequest) => {
  void answer(request).then((reply) => port.postMessage(reply));
});
port.postMessage({ type: "ready" } satisfies PreviewWorkerReply);

async function answer({ id, graph, options, maxOutputChars }: PreviewWorkerRequest): Promise<PreviewWorkerReply> {
  try {
    const json = JSON.stringify(await runPreview(graph, options));
    if (json.length > maxOutputChars) return { type: "too-large", id, size: json.length };
    // One string crosses the thread boundary instead of a structured clone of every event.
    return { type: "done", id, json };
  } catch (error) {
    return { type: "failed", id, message: error instanceof Error ? error.message : String(error) };
  }
}
