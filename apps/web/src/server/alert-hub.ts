import "server-only";
import { alertsChannel, AlertTransitionV1, decodeMessage } from "@sluice/shared";
import { ChannelHub } from "./redis-fanout";
import { singleton } from "./singleton";

function parse(workspaceId: string, message: string): AlertTransitionV1 | null {
  const transition = decodeMessage(AlertTransitionV1, message);
  return transition?.workspaceId === workspaceId ? transition : null;
}

/** Alert transitions of a workspace, one Redis subscription per workspace per web process. */
export const alertHub = singleton("alertHub", () => new ChannelHub(alertsChannel, parse));
