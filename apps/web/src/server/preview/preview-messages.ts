import type { PipelineGraph, PreviewOptions } from "@sluice/shared";

/** What the pool posts to a preview worker: plain data only (no callbacks cross the thread boundary). */
export type PreviewWorkerRequest = {
  id: number;
  graph: PipelineGraph;
  options: Omit<PreviewOptions, "secret" | "lookup">;
  maxOutputChars: number;
};

export type PreviewWorkerReply =
  | { type: "ready" }
  | { type: "done"; id: number; json: string }
  | { type: "too-large"; id: number; size: number }
  | { type: "failed"; id: number; message: string };
