// What an engine process reads and writes in the control-plane database, as a handful of statements
// on the runner's pg pool. The web app owns the schema through Prisma (prisma/schema.prisma; the row
// types below are Prisma's generated model types, so a schema change that breaks a statement's shape
// breaks the typecheck); the runner does not load the Prisma client, whose query compiler and runtime
// cost each engine process ~40 MiB (BENCHMARKS.md, "Memory at overload"). Columns are the schema's
// @map names; every engine integration test runs these statements against the migrated schema.
// Prisma sets @updatedAt and @default(cuid()) in the client, so the statements set them too.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type {
  AlertEvent,
  AlertRule,
  ApiKey,
  Deployment,
  DeploymentStatus,
  KafkaConnection,
  SchemaRegistryConnection,
  Secret,
} from "@sluice/db";

/** A deployment whose desired state is running, with what planning it needs. */
export type DesiredDeployment = Pick<
  Deployment,
  "id" | "workspaceId" | "pipelineId" | "versionId" | "status" | "startPosition" | "settings" | "updatedAt"
> & {
  version: { graph: unknown };
  workspace: { slug: string; kafkaConnections: { id: string }[] };
};

/** Columns a status write may set (absent: unchanged). updatedAt is always set. */
export type DeploymentStatusUpdate = Partial<
  Pick<Deployment, "status" | "statusReason" | "startedAt" | "stoppedAt"> & { nodeStatus: unknown }
>;

/** An ingest key as http-ingest endpoints check it (its hash is compared with the token's). */
export type IngestKeyRow = Pick<
  ApiKey,
  "id" | "hash" | "workspaceId" | "pipelineId" | "publishable" | "allowedOrigins"
>;
/** The key a token is, whatever its scope and even when revoked. */
export type TokenKeyRow = Pick<ApiKey, "id" | "workspaceId" | "pipelineId" | "scope" | "revokedAt">;
export type AlertRuleRow = Pick<
  AlertRule,
  | "id"
  | "workspaceId"
  | "pipelineId"
  | "name"
  | "kind"
  | "nodeId"
  | "threshold"
  | "forSeconds"
  | "webhookUrl"
  | "webhookSecretId"
>;
type NewAlertEvent = Pick<AlertEvent, "ruleId" | "workspaceId" | "pipelineId" | "state" | "value" | "message">;

export type ControlDb = {
  /** Desired running (of `workspaceIds` only, when given), oldest first. */
  desiredDeployments(workspaceIds?: string[]): Promise<DesiredDeployment[]>;
  /** The row's updatedAt, or null when it is gone. */
  deploymentUpdatedAt(id: string): Promise<Date | null>;
  /** Sets the given columns; `onlyWhenStatus`: only while the row's status is one of these. */
  updateDeployment(id: string, update: DeploymentStatusUpdate, onlyWhenStatus?: DeploymentStatus[]): Promise<void>;
  /** Of `ids`, those whose desired state is running. */
  desiredRunning(ids: string[]): Promise<Set<string>>;
  /** A deployment wanted stopped whose row a crashed runner left as not stopped: marked stopped. */
  markStopped(id: string): Promise<void>;
  secret(workspaceId: string, id: string): Promise<Pick<Secret, "ciphertext" | "name"> | null>;
  kafkaConnection(workspaceId: string, id: string): Promise<Pick<KafkaConnection, "config" | "credentials"> | null>;
  schemaRegistry(
    workspaceId: string,
    id: string,
  ): Promise<Pick<SchemaRegistryConnection, "url" | "credentials"> | null>;
  /** The non-revoked ingest-scoped key with this id. */
  ingestKey(id: string): Promise<IngestKeyRow | null>;
  /** The key with this token hash, revoked or not, any scope. */
  keyByHash(hash: string): Promise<TokenKeyRow | null>;
  touchKey(id: string, at: Date): Promise<void>;
  enabledAlertRules(pipelineIds: string[]): Promise<AlertRuleRow[]>;
  createAlertEvent(event: NewAlertEvent): Promise<AlertEvent>;
};

/** An id in cuid's shape (`c` + time + randomness, base 36), as Prisma's @default(cuid()) makes. */
function newId(): string {
  const random = BigInt(`0x${randomBytes(10).toString("hex")}`)
    .toString(36)
    .padStart(16, "0")
    .slice(-16);
  return `c${Date.now().toString(36).padStart(8, "0")}${random}`;
}

const first = <T>(result: pg.QueryResult<T & pg.QueryResultRow>): T | null => result.rows[0] ?? null;

export function createControlDb(pool: pg.Pool): ControlDb {
  return {
    async desiredDeployments(workspaceIds) {
      const { rows } = await pool.query<{
        id: string;
        workspace_id: string;
        pipeline_id: string;
        version_id: string;
        status: DesiredDeployment["status"];
        start_position: DesiredDeployment["startPosition"];
        settings: DesiredDeployment["settings"];
        updated_at: Date;
        graph: unknown;
        slug: string;
        connection_ids: string[];
      }>(
        `SELECT d.id, d.workspace_id, d.pipeline_id, d.version_id, d.status::text AS status,
                d.start_position::text AS start_position, d.settings, d.updated_at, v.graph, w.slug,
                ARRAY(SELECT k.id FROM kafka_connection k WHERE k.workspace_id = d.workspace_id) AS connection_ids
           FROM deployment d
           JOIN pipeline_version v ON v.id = d.version_id
           JOIN workspace w ON w.id = d.workspace_id
          WHERE d.desired_state = 'running' AND ($1::text[] IS NULL OR d.workspace_id = ANY($1::text[]))
          ORDER BY d.created_at ASC`,
        [workspaceIds ?? null],
      );
      return rows.map((r) => ({
        id: r.id,
        workspaceId: r.workspace_id,
        pipelineId: r.pipeline_id,
        versionId: r.version_id,
        status: r.status,
        startPosition: r.start_position,
        settings: r.settings,
        updatedAt: r.updated_at,
        version: { graph: r.graph },
        workspace: { slug: r.slug, kafkaConnections: r.connection_ids.map((id) => ({ id })) },
      }));
    },

    async deploymentUpdatedAt(id) {
      return (
        first(await pool.query<{ updated_at: Date }>("SELECT updated_at FROM deployment WHERE id = $1", [id]))
          ?.updated_at ?? null
      );
    },

    async updateDeployment(id, update, onlyWhenStatus) {
      const values: unknown[] = [id];
      const sets = ["updated_at = now()"];
      const set = (column: string, value: unknown, cast = "") => {
        values.push(value);
        sets.push(`${column} = $${values.length}${cast}`);
      };
      if (update.status !== undefined) set("status", update.status, "::deployment_status");
      if (update.statusReason !== undefined) set("status_reason", update.statusReason);
      if (update.startedAt !== undefined) set("started_at", update.startedAt);
      if (update.stoppedAt !== undefined) set("stopped_at", update.stoppedAt);
      if (update.nodeStatus !== undefined) set("node_status", JSON.stringify(update.nodeStatus), "::jsonb");
      let where = "id = $1";
      if (onlyWhenStatus) {
        values.push(onlyWhenStatus);
        where += ` AND status::text = ANY($${values.length}::text[])`;
      }
      await pool.query(`UPDATE deployment SET ${sets.join(", ")} WHERE ${where}`, values);
    },

    async desiredRunning(ids) {
      const { rows } = await pool.query<{ id: string }>(
        "SELECT id FROM deployment WHERE id = ANY($1::text[]) AND desired_state = 'running'",
        [ids],
      );
      return new Set(rows.map((r) => r.id));
    },

    async markStopped(id) {
      await pool.query(
        `UPDATE deployment
            SET status = 'stopped', stopped_at = now(), status_reason = NULL, node_status = '{}', updated_at = now()
          WHERE id = $1 AND desired_state = 'stopped' AND status <> 'stopped'`,
        [id],
      );
    },

    async secret(workspaceId, id) {
      return first(
        await pool.query<{ ciphertext: string; name: string }>(
          "SELECT ciphertext, name FROM secret WHERE id = $1 AND workspace_id = $2",
          [id, workspaceId],
        ),
      );
    },

    async kafkaConnection(workspaceId, id) {
      return first(
        await pool.query<Pick<KafkaConnection, "config" | "credentials">>(
          "SELECT config, credentials FROM kafka_connection WHERE id = $1 AND workspace_id = $2",
          [id, workspaceId],
        ),
      );
    },

    async schemaRegistry(workspaceId, id) {
      return first(
        await pool.query<{ url: string; credentials: string | null }>(
          "SELECT url, credentials FROM schema_registry_connection WHERE id = $1 AND workspace_id = $2",
          [id, workspaceId],
        ),
      );
    },

    async ingestKey(id) {
      const row = first(
        await pool.query<{
          id: string;
          hash: string;
          workspace_id: string;
          pipeline_id: string | null;
          publishable: boolean;
          allowed_origins: string[];
        }>(
          `SELECT id, hash, workspace_id, pipeline_id, publishable, allowed_origins
             FROM api_key WHERE id = $1 AND revoked_at IS NULL AND scope = 'ingest'`,
          [id],
        ),
      );
      return (
        row && {
          id: row.id,
          hash: row.hash,
          workspaceId: row.workspace_id,
          pipelineId: row.pipeline_id,
          publishable: row.publishable,
          allowedOrigins: row.allowed_origins,
        }
      );
    },

    async keyByHash(hash) {
      const row = first(
        await pool.query<{
          id: string;
          workspace_id: string;
          pipeline_id: string | null;
          scope: TokenKeyRow["scope"];
          revoked_at: Date | null;
        }>("SELECT id, workspace_id, pipeline_id, scope::text AS scope, revoked_at FROM api_key WHERE hash = $1", [
          hash,
        ]),
      );
      return (
        row && {
          id: row.id,
          workspaceId: row.workspace_id,
          pipelineId: row.pipeline_id,
          scope: row.scope,
          revokedAt: row.revoked_at,
        }
      );
    },

    async touchKey(id, at) {
      await pool.query("UPDATE api_key SET last_used_at = $2 WHERE id = $1", [id, at]);
    },

    async enabledAlertRules(pipelineIds) {
      const { rows } = await pool.query<{
        id: string;
        workspace_id: string;
        pipeline_id: string;
        name: string;
        kind: AlertRuleRow["kind"];
        node_id: string | null;
        threshold: number;
        for_seconds: number;
        webhook_url: string | null;
        webhook_secret_id: string | null;
      }>(
        `SELECT id, workspace_id, pipeline_id, name, kind::text AS kind, node_id, threshold, for_seconds,
                webhook_url, webhook_secret_id
           FROM alert_rule WHERE enabled AND pipeline_id = ANY($1::text[])`,
        [pipelineIds],
      );
      return rows.map((r) => ({
        id: r.id,
        workspaceId: r.workspace_id,
        pipelineId: r.pipeline_id,
        name: r.name,
        kind: r.kind,
        nodeId: r.node_id,
        threshold: r.threshold,
        forSeconds: r.for_seconds,
        webhookUrl: r.webhook_url,
        webhookSecretId: r.webhook_secret_id,
      }));
    },

    async createAlertEvent(event) {
      const id = newId();
      const { rows } = await pool.query<{ created_at: Date }>(
        `INSERT INTO alert_event (id, rule_id, workspace_id, pipeline_id, state, value, message, created_at)
         VALUES ($1, $2, $3, $4, $5::alert_state, $6, $7, now()) RETURNING created_at`,
        [id, event.ruleId, event.workspaceId, event.pipelineId, event.state, event.value, event.message],
      );
      return { ...event, id, createdAt: rows[0]!.created_at };
    },
  };
}
