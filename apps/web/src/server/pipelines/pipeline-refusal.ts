import { TRPCError } from "@trpc/server";
import type { GraphProblem } from "@sluice/shared";

/**
 * A publish or deploy refused for a reason the user can fix. Carries the nodes concerned, which the
 * error formatter passes to the browser so the dialog can link to them.
 */
export class PipelineRefusal extends Error {
  constructor(
    readonly code: "NOT_FOUND" | "CONFLICT" | "PRECONDITION_FAILED" | "BAD_REQUEST",
    message: string,
    readonly nodeIds: readonly string[] = [],
  ) {
    super(message);
    this.name = "PipelineRefusal";
  }

  static fromProblems(code: PipelineRefusal["code"], lead: string, problems: readonly Pick<GraphProblem, "message" | "nodeId">[]): PipelineRefusal {
    const nodeIds = [...new Set(problems.flatMap((p) => (p.nodeId ? [p.nodeId] : [])))];
    return new PipelineRefusal(code, `${lead}: ${problems.slice(0, 5).map((p) => p.message).join("; ")}`, nodeIds);
  }
}

/** Runs a domain call from a procedure, turning a refusal into the tRPC error the client expects. */
export async function refusalsAsTrpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof PipelineRefusal) throw new TRPCError({ code: e.code, message: e.message, cause: e });
    throw e;
  }
}
