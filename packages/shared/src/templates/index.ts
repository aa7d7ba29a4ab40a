import { clickstreamAnalyticsTemplate } from "./clickstream-analytics";
import type { PipelineTemplate } from "./pipeline-template";
import { realtimeAlertingTemplate } from "./realtime-alerting";

export type { PipelineTemplate } from "./pipeline-template";
export { clickstreamAnalyticsTemplate } from "./clickstream-analytics";
export { realtimeAlertingTemplate } from "./realtime-alerting";

export const pipelineTemplates: readonly PipelineTemplate[] = [clickstreamAnalyticsTemplate, realtimeAlertingTemplate];
export * from "./instantiate-template";
export * from "./local-credentials";
