import type { PipelineEdge, PipelineGraph, PipelineNode } from "../graph/pipeline-graph";
import { KEY_TEMPLATE_PLACEHOLDER } from "../nodes/sinks/redis-sink";
import { getNodeDescriptor, type NodeConfig, type NodeTypeId } from "../nodes/registry";
import { ERROR_PORT } from "../nodes/port";
import { durationMs } from "../events/duration";
import { bloblangPath, celToBloblang } from "./cel-to-bloblang";
import { toYaml, type YamlValue } from "./yaml-emitter";

/** Something of the pipeline the exported config does not do, and why. */
export type UntranslatedItem = { nodeId: string; what: string; reason: string };

/** An environment variable the config reads instead of a secret or a deployment-specific address. */
export type ConnectEnvVar = { name: string; description: string };

export type RedpandaConnectExport = {
  yaml: string;
  untranslated: UntranslatedItem[];
  envVars: ConnectEnvVar[];
};

type YamlObject = { [key: string]: YamlValue };
/** Processors to run, then where the result goes: the shape a chain of nodes compiles to. */
type Flow = { processors: YamlObject[]; output: YamlObject };
/** What travels down a branch while compiling it: the Bloblang query of the current Kafka key. */
type BranchContext = { key: string | undefined; path: readonly string[] };

const DROP: YamlObject = { drop: {} };

/**
 * Compiles the stateless part of a pipeline into one Redpanda Connect config (streams/config format:
 * `input`, `pipeline.processors`, `output`). Linear chains become `pipeline.processors`; fan-out
 * becomes a `broker` output with `fan_out`, route nodes a `switch` output, wired Errors ports a
 * `switch` on `errored()` (transforms) or a `fallback` output (sinks), several sources a `broker`
 * input tagged with `@sluice_source`. A node reached along several paths is compiled once per path.
 *
 * Whatever cannot be expressed faithfully (stateful nodes, lookups, CEL outside the Bloblang subset)
 * ends its branch in a labelled `drop` output and is listed in `untranslated`, so the export never
 * silently changes what a pipeline does. Secrets are referenced as `${ENV_VAR}` and listed in
 * `envVars`, never written out.
 */
export function exportRedpandaConnect(graph: PipelineGraph, pipelineName: string): RedpandaConnectExport {
  return new ConnectCompiler(graph, pipelineName).compile();
}

class ConnectCompiler {
  private readonly nodes: Map<string, PipelineNode>;
  private readonly untranslated: UntranslatedItem[] = [];
  private readonly envVars = new Map<string, string>();
  private readonly labels = new Set<string>();
  /** One local rate limit per webhook node, shared by every copy of it, as Sluice limits the node as a whole. */
  private readonly rateLimits = new Map<string, YamlObject>();

  constructor(
    private readonly graph: PipelineGraph,
    private readonly pipelineName: string,
  ) {
    this.nodes = new Map(graph.nodes.map((node) => [node.id, node]));
  }

  compile(): RedpandaConnectExport {
    const sources = this.graph.nodes.filter(
      (node) => getNodeDescriptor(node.type, node.typeVersion)?.category === "source",
    );
    const compiled = sources.flatMap((node) => {
      const source = this.source(node);
      return source ? [{ node, ...source }] : [];
    });

    const document: YamlObject = {};
    if (compiled.length === 0) {
      this.skip("pipeline", "sources", "no source node could be translated, so the config reads nothing");
      document.input = { generate: { count: 1, mapping: "root = deleted()" } };
      document.output = DROP;
    } else if (compiled.length === 1) {
      const [only] = compiled;
      document.input = only!.input;
      document.pipeline = { processors: only!.flow.processors };
      document.output = only!.flow.output;
    } else {
      document.input = {
        broker: {
          inputs: compiled.map(({ node, input }) => ({
            ...input,
            processors: [...asList(input.processors), { mutation: `meta sluice_source = ${JSON.stringify(node.id)}` }],
          })),
        },
      };
      document.output = {
        switch: {
          cases: compiled.map(({ node, flow }) => ({
            check: `@sluice_source == ${JSON.stringify(node.id)}`,
            output: asOutput(flow),
          })),
        },
      };
    }
    if (this.rateLimits.size > 0) document.rate_limit_resources = [...this.rateLimits.values()];

    const envVars = [...this.envVars]
      .map(([name, description]) => ({ name, description }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { yaml: this.header(envVars) + toYaml(document), untranslated: this.untranslated, envVars };
  }

  private header(envVars: ConnectEnvVar[]): string {
    const comment = (text: string) => `# ${text.replace(/\s+/g, " ")}`.trimEnd();
    const out = [
      comment(`Redpanda Connect config exported from the Sluice pipeline "${this.pipelineName}".`),
      comment("Run: rpk connect run <this file>   (or: redpanda-connect run <this file>)"),
    ];
    if (envVars.length > 0) {
      out.push("#", "# Environment variables to set (secrets are never written into this file):");
      for (const envVar of envVars) out.push(comment(`  ${envVar.name}: ${envVar.description}`));
    }
    if (this.untranslated.length > 0) {
      out.push("#", "# Not translated (a branch that cannot be translated ends in a labelled drop output):");
      for (const item of this.untranslated) out.push(comment(`  - ${item.nodeId}: ${item.what}: ${item.reason}`));
    }
    return `${out.join("\n")}\n\n`;
  }

  // ---- sources --------------------------------------------------------------------------------

  private source(node: PipelineNode): { input: YamlObject; flow: Flow } | undefined {
    const config = this.config(node);
    if (!config) return undefined;
    const context: BranchContext = { key: undefined, path: [node.id] };
    switch (config.type) {
      case "http-ingest": {
        const c = config.config;
        this.skip(
          node.id,
          "API key check",
          "http_server has no API-key authentication; put the endpoint behind a gateway that checks x-api-key",
        );
        this.skip(
          node.id,
          "event envelope check and NDJSON bodies",
          "requests are split as JSON arrays only and events are not checked against the envelope",
        );
        if (this.edgesFrom(node.id, ERROR_PORT.name).length > 0)
          this.skip(node.id, "Errors port", "envelope failures are not detected, so nothing reaches its Errors branch");
        return {
          input: this.labelled(node, {
            http_server: { path: `/v1/ingest/${c.pathKey}`, allowed_verbs: ["POST"] },
            processors: [{ unarchive: { format: "json_array" } }],
          }),
          flow: this.continuation(node, "out", context),
        };
      }
      case "generator": {
        const c = config.config;
        this.skip(
          node.id,
          "synthetic clickstream",
          "a simplified generate input: weighted event types and user ids only, without the duplicates, late, malformed events and realistic props of Sluice's generator",
        );
        return {
          input: this.labelled(node, {
            generate: { interval: interval(c.eventsPerSecond), mapping: generatorMapping(c) },
          }),
          flow: this.continuation(node, "out", context),
        };
      }
      case "kafka-source": {
        const c = config.config;
        this.env("KAFKA_BROKERS", "Kafka/Redpanda seed brokers, host:port (comma-separated for several)");
        if (c.keyField) this.skip(node.id, "key as field", "the message key is not copied into the event");
        if (c.headersToContext)
          this.skip(node.id, "headers into context", "the message headers are not copied into the event");
        return {
          input: this.labelled(node, {
            kafka_franz: {
              seed_brokers: ["${KAFKA_BROKERS}"],
              topics: [c.topic],
              consumer_group: `sluice-connect-${slug(this.pipelineName)}-${node.id}`,
              start_from_oldest: c.startPosition === "earliest",
            },
          }),
          flow: this.withErrors(
            node,
            [
              {
                mapping:
                  'root = if this.type() == "object" { this } else { throw("message value is not a JSON object") }',
              },
            ],
            this.continuation(node, "out", { ...context, key: "@kafka_key" }),
            context,
            "_parse",
          ),
        };
      }
      default:
        return undefined;
    }
  }

  // ---- walking the graph ----------------------------------------------------------------------

  private edgesFrom(nodeId: string, port: string): PipelineEdge[] {
    return this.graph.edges.filter((edge) => edge.source === nodeId && edge.sourcePort === port);
  }

  /** Where the events leaving `node.port` go: nowhere, one node, or every connected node. */
  private continuation(node: PipelineNode, port: string, context: BranchContext): Flow {
    const flows = this.edgesFrom(node.id, port).flatMap((edge) => {
      const target = this.nodes.get(edge.target);
      return target ? [this.node(target, context)] : [];
    });
    if (flows.length === 0) return { processors: [], output: DROP };
    if (flows.length === 1) return flows[0]!;
    return { processors: [], output: { broker: { pattern: "fan_out", outputs: flows.map(asOutput) } } };
  }

  private node(node: PipelineNode, parent: BranchContext): Flow {
    if (parent.path.includes(node.id)) return this.dropped(node, "cycle", "the graph has a cycle through this node");
    const context: BranchContext = { ...parent, path: [...parent.path, node.id] };
    const config = this.config(node);
    if (!config) return { processors: [], output: this.labelled(node, DROP) };
    switch (config.type) {
      case "filter": {
        const condition = this.expression(node, "condition", config.config.condition);
        if (condition === undefined) return this.droppedAfterSkip(node);
        return this.withErrors(
          node,
          [{ mapping: `root = if ${condition} { this } else { deleted() }` }],
          this.continuation(node, "out", context),
          context,
        );
      }
      case "map": {
        const statements = ["root = this"];
        for (const [i, assignment] of config.config.assignments.entries()) {
          const value = this.expression(node, `assignments[${i}] (${assignment.target})`, assignment.expression);
          if (value === undefined) return this.droppedAfterSkip(node);
          statements.push(`${bloblangPath("root", assignment.target)} = ${value}`);
        }
        for (const field of config.config.drop) statements.push(`${bloblangPath("root", field)} = deleted()`);
        return this.withErrors(
          node,
          [{ mapping: statements.join("\n") }],
          this.continuation(node, "out", context),
          context,
        );
      }
      case "validate":
        return this.withErrors(
          node,
          [{ json_schema: { schema: JSON.stringify(config.config.schema) } }],
          this.continuation(node, "out", context),
          context,
        );
      case "key-by": {
        const key = this.expression(node, "key", config.config.key);
        if (key === undefined) return this.droppedAfterSkip(node);
        if (config.config.saltBuckets > 1)
          this.skip(node.id, "hot-key salting", "hot keys are not spread over sub-keys");
        return this.withErrors(
          node,
          [{ mutation: `meta sluice_key = (${key}).string()` }],
          this.continuation(node, "out", { ...context, key: "@sluice_key" }),
          context,
        );
      }
      case "mask-pii":
        return this.maskPii(node, config.config, context);
      case "route":
        return this.route(node, config.config, context);
      case "dedup":
      case "window":
      case "sessionize":
        return this.dropped(
          node,
          `${config.type} node`,
          "stateful nodes keep per-key state across events; Redpanda Connect pipelines are stateless",
        );
      case "enrich":
        return this.dropped(
          node,
          "enrich node",
          "lookups in Postgres/Redis with caching and missing-row handling are not translated",
        );
      case "postgres-sink":
        return this.postgresSink(node, config.config, context);
      case "redis-sink":
        return this.redisSink(node, config.config, context);
      case "webhook-sink":
        return this.webhookSink(node, config.config, context);
      case "kafka-sink":
        return this.kafkaSink(node, config.config, context);
      default:
        return this.dropped(node, `${config.type} node`, "a source cannot have inputs");
    }
  }

  /**
   * A transform's processors followed by its outputs. A failing processor flags the message; with a
   * wired Errors port the flagged message takes that branch (flag cleared), otherwise it is logged
   * and dropped, as Sluice would dead-letter rather than pass it on.
   */
  private withErrors(
    node: PipelineNode,
    processors: YamlObject[],
    next: Flow,
    context: BranchContext,
    labelSuffix = "",
  ): Flow {
    const labelledProcessors = processors.map((processor) => ({ label: this.label(node, labelSuffix), ...processor }));
    const errorEdges = this.edgesFrom(node.id, ERROR_PORT.name);
    if (errorEdges.length === 0) {
      const dropErrors = {
        label: this.label(node, "_errors"),
        catch: [{ log: { level: "ERROR", message: `${node.id}: \${! error() }` } }, { mapping: "root = deleted()" }],
      };
      return { processors: [...labelledProcessors, dropErrors, ...next.processors], output: next.output };
    }
    const errors = this.continuation(node, ERROR_PORT.name, context);
    return {
      processors: labelledProcessors,
      output: {
        switch: {
          cases: [
            {
              check: "errored()",
              output: asOutput({ processors: [{ catch: [] }, ...errors.processors], output: errors.output }),
            },
            { output: asOutput(next) },
          ],
        },
      },
    };
  }

  private route(node: PipelineNode, config: NodeConfig<"route">, context: BranchContext): Flow {
    const conditions: string[] = [];
    for (const [i, rule] of config.routes.entries()) {
      const condition = this.expression(node, `routes[${i}] (${rule.port})`, rule.condition);
      if (condition === undefined) return this.droppedAfterSkip(node);
      conditions.push(condition);
    }
    const allMatches = config.mode === "all-matches";
    const cases: YamlObject[] = config.routes.map((rule, i) => ({
      check: conditions[i]!,
      output: asOutput(this.continuation(node, rule.port, context)),
      ...(allMatches ? { continue: true } : {}),
    }));
    const otherwise = asOutput(this.continuation(node, config.defaultPort, context));
    cases.push(
      allMatches ? { check: conditions.map((c) => `!(${c})`).join(" && "), output: otherwise } : { output: otherwise },
    );
    if (this.edgesFrom(node.id, ERROR_PORT.name).length > 0) {
      this.skip(
        node.id,
        "Errors port",
        "a route condition that fails to evaluate is not sent to the Errors branch (switch checks do not flag messages)",
      );
    }
    return { processors: [], output: { label: this.label(node), switch: { cases } } };
  }

  private maskPii(node: PipelineNode, config: NodeConfig<"mask-pii">, context: BranchContext): Flow {
    if (config.rules.some((rule) => rule.method === "truncate-ip")) {
      return this.dropped(
        node,
        "mask-pii truncate-ip",
        "IPv4 /24 and IPv6 /48 truncation is not translated; the branch stops here so unmasked data never leaves",
      );
    }
    const salt = config.saltSecretId
      ? this.secretEnv("HASH_SALT", config.saltSecretId, "hash salt (secret value) for mask-pii", node.id)
      : undefined;
    const statements = ["root = this"];
    for (const rule of config.rules) {
      const source = bloblangPath("this", rule.field);
      // Missing fields stay missing and null stays null, as in Sluice's core.
      const masked =
        rule.method === "hash"
          ? `${source}.string().hash("hmac_sha256", env(${JSON.stringify(salt)})).encode("hex")`
          : JSON.stringify(config.redactWith);
      statements.push(`if ${source} != null { ${bloblangPath("root", rule.field)} = ${masked} }`);
    }
    return this.withErrors(
      node,
      [{ mapping: statements.join("\n") }],
      this.continuation(node, "out", context),
      context,
    );
  }

  // ---- sinks ------------------------------------------------------------------------------------

  /** A sink output; with a wired Errors port, writes that fail after retries take that branch. */
  private sinkOutput(
    node: PipelineNode,
    output: YamlObject,
    context: BranchContext,
    processors: YamlObject[] = [],
  ): Flow {
    const labelled = this.labelled(node, output);
    if (this.edgesFrom(node.id, ERROR_PORT.name).length === 0) return { processors, output: labelled };
    return {
      processors,
      output: { fallback: [labelled, asOutput(this.continuation(node, ERROR_PORT.name, context))] },
    };
  }

  private postgresSink(node: PipelineNode, config: NodeConfig<"postgres-sink">, context: BranchContext): Flow {
    const args: string[] = [];
    for (const [i, column] of config.columns.entries()) {
      const value = this.expression(node, `columns[${i}] (${column.column})`, column.expression);
      if (value === undefined) return this.droppedAfterSkip(node);
      args.push(value);
    }
    const dsn = this.secretEnv(
      "POSTGRES_DSN",
      config.connectionSecretId,
      "PostgreSQL connection URL, e.g. postgres://user:password@host:5432/db?sslmode=require",
      node.id,
    );
    const keys = config.keyColumns.join(", ");
    const updates = config.columns
      .filter((c) => !config.keyColumns.includes(c.column))
      .map((c) => `${c.column} = EXCLUDED.${c.column}`);
    const suffix =
      config.keyColumns.length === 0
        ? undefined
        : config.mode === "upsert"
          ? `ON CONFLICT (${keys}) DO UPDATE SET ${updates.join(", ")}`
          : `ON CONFLICT (${keys}) DO NOTHING`;
    return this.sinkOutput(
      node,
      {
        sql_insert: {
          driver: "postgres",
          dsn: `\${${dsn}}`,
          table: config.table,
          columns: config.columns.map((c) => c.column),
          args_mapping: `root = [ ${args.join(", ")} ]`,
          ...(suffix ? { suffix } : {}),
        },
      },
      context,
    );
  }

  private redisSink(node: PipelineNode, config: NodeConfig<"redis-sink">, context: BranchContext): Flow {
    const value = this.expression(node, "value", config.value);
    const field = config.field === undefined ? undefined : this.expression(node, "field", config.field);
    if (value === undefined || (config.field !== undefined && field === undefined)) return this.droppedAfterSkip(node);
    const url = this.secretEnv(
      "REDIS_URL",
      config.connectionSecretId,
      "Redis URL, e.g. redis://:password@host:6379/0",
      node.id,
    );
    const key = keyTemplate(config.keyTemplate);
    const mapping = ["let key = " + key, `let value = ${value}`];
    if (config.mode === "hash") {
      // Sluice stores non-string hash values as JSON.
      mapping.push(
        `root = [ $key, (${field}).string(), if $value.type() == "string" { $value } else { $value.format_json(no_indent: true).string() } ]`,
      );
    } else if (config.mode === "counter") {
      mapping.push("root = [ $key, $value.int64() ]");
    } else {
      mapping.push(`root = [ $key, $value.number(), (${field}).string() ]`);
    }
    const command = { hash: "hset", counter: "incrby", "sorted-set": "zadd" }[config.mode];
    const processors: YamlObject[] = [
      { label: this.label(node), redis: { url: `\${${url}}`, command, args_mapping: mapping.join("\n") } },
    ];
    if (config.ttl) {
      processors.push({
        label: this.label(node, "_ttl"),
        redis: { url: `\${${url}}`, command: "pexpire", args_mapping: `root = [ ${key}, ${durationMs(config.ttl)} ]` },
      });
    }
    // The redis processor writes; the output only has to report failed writes.
    const errors =
      this.edgesFrom(node.id, ERROR_PORT.name).length > 0
        ? this.continuation(node, ERROR_PORT.name, context)
        : undefined;
    const output: YamlObject = errors
      ? {
          switch: {
            cases: [
              {
                check: "errored()",
                output: asOutput({ processors: [{ catch: [] }, ...errors.processors], output: errors.output }),
              },
              { output: DROP },
            ],
          },
        }
      : { reject_errored: DROP };
    return { processors, output };
  }

  private webhookSink(node: PipelineNode, config: NodeConfig<"webhook-sink">, context: BranchContext): Flow {
    if ([config.url, ...config.headers.map((header) => header.value)].some((text) => text.includes("${"))) {
      return this.dropped(
        node,
        "URL or header value",
        "contains `${`, which Redpanda Connect would replace by an environment variable or a Bloblang interpolation",
      );
    }
    const existing = this.rateLimits.get(node.id);
    const rateLimit = existing ? String(existing.label) : this.label(node, "_rate");
    if (!existing)
      this.rateLimits.set(node.id, { label: rateLimit, local: { count: config.rateLimitPerSecond, interval: "1s" } });
    const headers: YamlObject = { "Content-Type": "application/json" };
    for (const header of config.headers) headers[header.name] = header.value;
    const processors: YamlObject[] = [];
    if (config.signingSecretId) {
      const secret = this.secretEnv(
        "WEBHOOK_SECRET",
        config.signingSecretId,
        "webhook signing secret (HMAC-SHA256 key)",
        node.id,
      );
      // Same scheme as Sluice: t=<unix seconds>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")).
      processors.push({
        label: this.label(node, "_sign"),
        mutation: [
          "let t = timestamp_unix().string()",
          `meta sluice_signature = "t=" + $t + ",v1=" + ($t + "." + content().string()).hash("hmac_sha256", env(${JSON.stringify(secret)})).encode("hex")`,
        ].join("\n"),
      });
      headers["X-Sluice-Signature"] = "${! @sluice_signature }";
    }
    if (config.allowPrivateAddresses)
      this.skip(
        node.id,
        "private address check",
        "Redpanda Connect does not refuse private or local webhook addresses",
      );
    return this.sinkOutput(
      node,
      {
        http_client: {
          url: config.url,
          verb: "POST",
          headers,
          rate_limit: rateLimit,
          timeout: config.timeout,
          retries: config.maxRetries,
        },
      },
      context,
      processors,
    );
  }

  private kafkaSink(node: PipelineNode, config: NodeConfig<"kafka-sink">, context: BranchContext): Flow {
    const key = config.key === undefined ? context.key : this.expression(node, "key", config.key);
    if (config.key !== undefined && key === undefined) return this.droppedAfterSkip(node);
    this.env("KAFKA_BROKERS", "Kafka/Redpanda seed brokers, host:port (comma-separated for several)");
    return this.sinkOutput(
      node,
      {
        kafka_franz: {
          seed_brokers: ["${KAFKA_BROKERS}"],
          topic: config.topic,
          ...(key ? { key: `\${! ${key} }` } : {}),
        },
      },
      context,
    );
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** The node's parsed config (defaults applied), or undefined (and a reason listed) when it has none. */
  private config(node: PipelineNode): TypedConfig | undefined {
    const descriptor = getNodeDescriptor(node.type, node.typeVersion);
    if (!descriptor) {
      this.skip(node.id, `${node.type} v${node.typeVersion}`, "unknown node type or version");
      return undefined;
    }
    const parsed = descriptor.configSchema.safeParse(node.config);
    if (!parsed.success) {
      this.skip(
        node.id,
        "configuration",
        "the node's configuration is not valid; fix the problems in the editor first",
      );
      return undefined;
    }
    return { type: node.type, config: parsed.data } as TypedConfig;
  }

  private expression(node: PipelineNode, where: string, source: string): string | undefined {
    const translated = celToBloblang(source);
    if (translated.ok) return translated.bloblang;
    this.skip(node.id, `${where}: ${source}`, translated.reason);
    return undefined;
  }

  private skip(nodeId: string, what: string, reason: string): void {
    this.untranslated.push({ nodeId, what, reason });
  }

  private dropped(node: PipelineNode, what: string, reason: string): Flow {
    this.skip(node.id, what, reason);
    return this.droppedAfterSkip(node);
  }

  /** The branch ends here; the reason was already listed. */
  private droppedAfterSkip(node: PipelineNode): Flow {
    return { processors: [], output: this.labelled(node, DROP) };
  }

  private env(name: string, description: string): string {
    if (!this.envVars.has(name)) this.envVars.set(name, description);
    return name;
  }

  /** One variable per secret, named after what it holds, shared by every node using that secret. */
  private secretEnv(prefix: string, secretId: string, description: string, nodeId: string): string {
    const name = `${prefix}_${secretId
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, "_")
      .replace(/^_|_$/g, "")}`;
    return this.env(name, `${description} (Sluice secret ${secretId}, first used by ${nodeId})`);
  }

  /** Labels must be unique and lowercase snake case; a node compiled on several paths gets _2, _3. */
  private label(node: PipelineNode, suffix = ""): string {
    const base = `${node.id.toLowerCase().replace(/[^a-z0-9_]+/g, "_")}${suffix}`;
    let label = base;
    for (let n = 2; this.labels.has(label); n++) label = `${base}_${n}`;
    this.labels.add(label);
    return label;
  }

  private labelled(node: PipelineNode, component: YamlObject): YamlObject {
    return { label: this.label(node), ...component };
  }
}

type TypedConfig = { [K in NodeTypeId]: { type: K; config: NodeConfig<K> } }[NodeTypeId];

/** A flow as one output: its processors move onto the output, ahead of the output's own. */
function asOutput(flow: Flow): YamlObject {
  if (flow.processors.length === 0) return flow.output;
  return { ...flow.output, processors: [...flow.processors, ...asList(flow.output.processors)] };
}

function asList(value: YamlValue | undefined): YamlObject[] {
  return Array.isArray(value) ? (value as YamlObject[]) : [];
}

/** `user:{userId}:last` -> `"user:" + this.userId.not_null().string() + ":last"`; a missing field fails the write, as in Sluice. */
function keyTemplate(template: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(KEY_TEMPLATE_PLACEHOLDER)) {
    if (match.index > last) parts.push(JSON.stringify(template.slice(last, match.index)));
    parts.push(`${bloblangPath("this", match[1]!)}.not_null().string()`);
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(JSON.stringify(template.slice(last)));
  return parts.join(" + ");
}

/** Go duration between generated messages for a rate. */
function interval(eventsPerSecond: number): string {
  return 1_000 % eventsPerSecond === 0
    ? `${1_000 / eventsPerSecond}ms`
    : `${Math.round(1_000_000 / eventsPerSecond)}us`;
}

function generatorMapping(config: NodeConfig<"generator">): string {
  const mix = config.eventMix.filter((entry) => entry.weight > 0);
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  // Nested ifs over cumulative weights: the first type whose share covers the random pick.
  const choose = (from: number, cumulative: number): string => {
    const entry = mix[from]!;
    if (from === mix.length - 1) return JSON.stringify(entry.type);
    const upTo = cumulative + entry.weight;
    return `if $pick < ${(upTo / total).toFixed(6)} { ${JSON.stringify(entry.type)} } else { ${choose(from + 1, upTo)} }`;
  };
  return [
    "let pick = random_int(max: 999999) / 1000000",
    "root.id = uuid_v4()",
    `root.type = ${choose(0, 0)}`,
    `root.userId = "user-" + random_int(max: ${config.users - 1}).string()`,
    "root.timestamp = now()",
    "root.props = {}",
  ].join("\n");
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "pipeline"
  );
}
