import "server-only";
import { router, userProcedure } from "../trpc/init";
import { pipelineRouter } from "./pipeline";
import { workspaceRouter } from "./workspace";
import { memberRouter } from "./member";
import { invitationRouter } from "./invitation";
import { apiKeyRouter } from "./api-key";
import { secretRouter } from "./secret";
import { kafkaConnectionRouter } from "./kafka-connection";
import { schemaRegistryRouter } from "./schema-registry";
import { personalTokenRouter } from "./personal-token";
import { auditRouter } from "./audit";
import { versionRouter } from "./version";
import { deploymentRouter } from "./deployment";
import { metricsRouter } from "./metrics";
import { alertRouter } from "./alert";
import { tapRouter } from "./tap";
import { dlqRouter } from "./dlq";

export const appRouter = router({
  me: userProcedure.query(({ ctx }) => ctx.user),
  workspace: workspaceRouter,
  member: memberRouter,
  invitation: invitationRouter,
  apiKey: apiKeyRouter,
  secret: secretRouter,
  kafkaConnection: kafkaConnectionRouter,
  schemaRegistry: schemaRegistryRouter,
  personalToken: personalTokenRouter,
  audit: auditRouter,
  pipeline: pipelineRouter,
  version: versionRouter,
  deployment: deploymentRouter,
  metrics: metricsRouter,
  alert: alertRouter,
  tap: tapRouter,
  dlq: dlqRouter,
});

export type AppRouter = typeof appRouter;
