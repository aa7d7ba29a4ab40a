// No "server-only" marker: publishDraft (and so the demo seed) runs this.
import type { PrismaClient } from "@sluice/db";
import { createRegistryClient, deriveAvroSchema, RegistryError } from "@sluice/schema-registry";
import {
  type GraphProblem,
  inputFieldsOf,
  type NodeConfig,
  type PipelineGraph,
  problem,
  SchemaRegistryCredentials,
  valueSubject,
  workspaceTopicName,
} from "@sluice/shared";
import { openSecret } from "@sluice/db";

type Db = Pick<PrismaClient, "schemaRegistryConnection">;

/**
 * For every kafka-sink that writes Avro: the schema it writes (the one given, or one derived from
 * the fields known to reach it), checked against the subject's compatibility mode and registered.
 * Returns the graph with each such sink's schema recorded (what the runner registers and encodes
 * with) and the problems that refuse the publish: an incompatible schema, fields that are not known,
 * a registry that cannot be reached.
 */
export async function prepareSinkSchemas(
  db: Db,
  workspaceId: string,
  slug: string,
  graph: PipelineGraph,
  secretKey: string | undefined,
): Promise<{ graph: PipelineGraph; problems: GraphProblem[] }> {
  const sinks = graph.nodes.filter(
    (n) => n.type === "kafka-sink" && n.config.valueFormat === "avro" && typeof n.config.registryId === "string",
  );
  if (sinks.length === 0) return { graph, problems: [] };
  const fields = inputFieldsOf(graph);
  const problems: GraphProblem[] = [];
  const nodes = [...graph.nodes];
  for (const node of sinks) {
    const config = node.config as NodeConfig<"kafka-sink">;
    const name = node.label ? `"${node.label}"` : `"${node.id}"`;
    const topic = config.connectionId ? config.topic : workspaceTopicName(slug, config.topic);
    const subject = valueSubject(topic);
    let schema = config.avroSchema;
    if (!schema) {
      const known = fields.get(node.id);
      if (!known || known.open || known.paths.length === 0) {
        problems.push(
          problem(
            "node.schema-incompatible",
            `${name}: the fields reaching this node are not known, so no Avro schema can be derived; give one under "Avro schema"`,
            { nodeId: node.id, field: "avroSchema" },
          ),
        );
        continue;
      }
      schema = deriveAvroSchema(subject, known.paths);
    }
    const row = await db.schemaRegistryConnection.findFirst({
      where: { id: config.registryId!, workspaceId },
      select: { url: true, credentials: true },
    });
    if (!row) continue; // validateGraph reports the unknown registry
    try {
      const auth =
        row.credentials && secretKey
          ? SchemaRegistryCredentials.parse(JSON.parse(openSecret(row.credentials, secretKey, workspaceId)))
          : undefined;
      const client = createRegistryClient({ url: row.url, ...(auth ? { auth } : {}), timeoutMs: 5000 });
      if (!(await client.isCompatible(subject, "AVRO", schema))) {
        const mode = await client.compatibility(subject).catch(() => "its");
        problems.push(
          problem(
            "node.schema-incompatible",
            `${name}: the Avro schema is not compatible with the latest version of ${subject} under ${mode} compatibility`,
            { nodeId: node.id, field: "avroSchema" },
          ),
        );
        continue;
      }
      await client.register(subject, "AVRO", schema);
    } catch (e) {
      const message = e instanceof RegistryError ? e.message : `the Avro schema is not valid: ${(e as Error).message}`;
      problems.push(
        problem(
          e instanceof RegistryError ? "node.registry-unavailable" : "node.schema-incompatible",
          `${name}: ${message}`.slice(0, 500),
          { nodeId: node.id, field: e instanceof RegistryError ? "registryId" : "avroSchema" },
        ),
      );
      continue;
    }
    nodes[nodes.indexOf(node)] = { ...node, config: { ...node.config, avroSchema: schema } };
  }
  return { graph: { ...graph, nodes }, problems };
}
