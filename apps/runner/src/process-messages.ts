// What a runner's supervisor (supervisor.ts) and its engine processes (engine-process.ts) tell each
// other over the node:cluster IPC channel.

/** Leaves room inside the usual 30 s grace period of orchestrators before SIGKILL. */
export const SHUTDOWN_TIMEOUT_MS = 20_000;

export const WORKER_MESSAGE = {
  /** Engine process → supervisor: it takes connections of the public port from now on. */
  accepting: "runner-process:accepting",
  /** Supervisor → engine process: a connection of the public port (the socket rides with the message). */
  connection: "runner-process:connection",
  /** Engine process → supervisor: HTTP served and the engine started. */
  ready: "runner-process:ready",
  /** Supervisor → engine process: send your health report or your metrics. */
  ask: "runner-process:ask",
  /** Engine process → supervisor: the answer to `ask` with the same id. */
  answer: "runner-process:answer",
} as const;

export type SupervisorMessage =
  | { type: typeof WORKER_MESSAGE.ask; id: number; what: "health" | "metrics" }
  | { type: typeof WORKER_MESSAGE.connection };

export type WorkerMessage =
  | { type: typeof WORKER_MESSAGE.accepting }
  | { type: typeof WORKER_MESSAGE.ready }
  | { type: typeof WORKER_MESSAGE.answer; id: number; value: unknown };
