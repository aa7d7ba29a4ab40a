import "server-only";
import type { ProcedureMeta } from "../trpc/init";
import { appRouter } from "./_app";

export type ProcedureInfo = {
  path: string;
  type: "query" | "mutation" | "subscription";
  meta: ProcedureMeta | undefined;
};

/** Every procedure of the app router with its declared access, for the access tests and docs. */
export function listProcedures(): ProcedureInfo[] {
  const procs = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: ProcedureInfo["type"]; meta?: ProcedureMeta } }
  >;
  return Object.entries(procs).map(([path, p]) => ({ path, type: p._def.type, meta: p._def.meta }));
}
