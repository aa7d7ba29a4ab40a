import "server-only";
import { z } from "zod";
import { ChannelHub } from "./redis-fanout";
import { alertsChannel } from "@sluice/shared";
export { alertsChannel };


/** An alert transition as the runner publishes it (the AlertEvent row). */
export const AlertTransition = z.object({
  id: z.string(),
  ruleId: z.string(),
  workspaceId: z.string(),
  pipelineId: z.string(),
  state: z.enum(["firing", "resolved"]),
  value: z.number().nullable(),
  message: z.string(),
  createdAt: z.coerce.date(),
});
export type AlertTransition = z.infer<typeof AlertTransition>;

function parse(workspaceId: string, message: string): AlertTransition | null {
  try {
    const parsed = AlertTransition.safeParse(JSON.parse(message));
    return parsed.success && parsed.data.workspaceId === workspaceId ? parsed.data : null;
  } catch {
    return null;
  }
}

const g = globalThis as unknown as { sluiceAlertHub?: ChannelHub<AlertTransition> };
/** Alert transitions of a workspace, one Redis subscription per workspace per web process. */
export function alertHub(): ChannelHub<AlertTransition> {
  g.sluiceAlertHub ??= new ChannelHub(alertsChannel, parse);
  return g.sluiceAlertHub;
}
