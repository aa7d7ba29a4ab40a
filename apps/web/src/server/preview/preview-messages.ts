import type { PipelineGraph, PreviewOptions } from "@sluice/shared";
import type { LookupRows } from "./preview-lookups";

/** What the pool posts to a preview worker: plain data only (no callbacks cross the thread boundary). */
export type PreviewWorkerRequest = {
  type: "run";
  id: number;
  graph: PipelineGraph;
  options: Omit<PreviewOptions, "secret" | "lookup">;
  /** Per enrich node: null when the worker may ask the main thread for lookups, otherwise why its lookup cannot be used. */
  lookups: Record<string, string | null>;
  maxOutputChars: number;
};

/** The main thread's answer to a worker's lookup request: rows, or a message safe to show. */
export type PreviewLookupReply =
  | { type: "lookup"; call: number; rows: LookupRows }
  | { type: "lookup"; call: number; error: string };

export type PreviewWorkerReply =
  | { type: "ready" }
  | { type: "lookup"; id: number; call: number; nodeId: string; keys: string[] }
  | { type: "done"; id: number; json: string }
  | { type: "too-large"; id: number; size: number }
  | { type: "failed"; id: number; message: string };
