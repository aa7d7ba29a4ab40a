import "server-only";
import { alertsChannel, AlertTransitionV1, decodeMessage } from "@sluice/shared";
import { ChannelHub } from "./redis-fanout";

function parse(workspaceId: string, message: string): AlertTransitionV1 | null {
  const transition = decodeMessage(AlertTransitionV1, message);
  return transition?.workspaceId === workspaceId ? transition : null;
}

const g = globalThis as unknown as { sluiceAlertHub?: ChannelHub<AlertTransitionV1> };
/** Alert transitions of a workspace, one Redis subscription per workspace per web process. */
export function alertHub(): ChannelHub<AlertTransitionV1> {
  g.sluiceAlertHub ??= new ChannelHub(alertsChannel, parse);
  return g.sluiceAlertHub;
}
