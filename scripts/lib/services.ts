// Brings up (or reuses) the three real services Sluice needs on a developer or CI machine:
// PostgreSQL, Redis and a Kafka-API broker. Whatever this module starts, `stop()` stops; what was
// already running is left alone. Docker users run `docker compose up` instead and set the URLs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync } from "node:fs";
import { join } from "node:path";
import { canConnect, hostPort, waitFor } from "./net";
import { hashFiles, repoRoot } from "./paths";

export type ServiceUrls = { databaseUrl: string; redisUrl: string; kafkaBrokers: string; schemaRegistryUrl?: string };

export class ServiceError extends Error {}

const log = (m: string) => console.log(`[sluice] ${m}`);

function which(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
}

function isLocal(host: string) {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

async function ensurePostgres(url: string): Promise<void> {
  const { host, port } = hostPort(url, 5432);
  if (await canConnect(host, port)) return;
  if (isLocal(host) && which("pg_ctlcluster") && existsSync("/etc/postgresql")) {
    const version = readdirSync("/etc/postgresql")[0];
    log(`starting PostgreSQL ${version} ...`);
    spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", String(version), "main", "start"], { stdio: "inherit" });
    await waitFor("PostgreSQL", () => canConnect(host, port), 30_000);
    return;
  }
  throw new ServiceError(
    `PostgreSQL is not reachable at ${host}:${port}. Start it, run \`docker compose up postgres\`, or set DATABASE_URL.`,
  );
}

async function ensureRedis(url: string): Promise<void> {
  const { host, port } = hostPort(url, 6379);
  if (await canConnect(host, port)) return;
  if (isLocal(host) && which("redis-server")) {
    log("starting Redis ...");
    const r = spawnSync(
      "redis-server",
      ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
      { stdio: "inherit" },
    );
    if (r.status !== 0) throw new ServiceError("redis-server failed to start");
    await waitFor("Redis", () => canConnect(host, port), 15_000);
    return;
  }
  throw new ServiceError(
    `Redis is not reachable at ${host}:${port}. Start it, run \`docker compose up redis\`, or set REDIS_URL.`,
  );
}

const kafkaDir = join(repoRoot, ".cache", "kafka");
export const kafkaLibs = join(kafkaDir, "libs");
const kafkaPom = join(repoRoot, "scripts", "kafka", "pom.xml");

/** Resolves the broker's jars from Maven Central once; re-resolves only when the pom changes. */
export function ensureKafkaJars(): void {
  const stamp = join(kafkaDir, "libs.stamp");
  const want = hashFiles([kafkaPom]);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want && existsSync(kafkaLibs)) return;
  if (!which("mvn") || !which("java")) {
    throw new ServiceError(
      "No Kafka broker is reachable and Java/Maven are not installed to run one locally. Install a JDK 17+ and Maven, run `docker compose up redpanda`, or set KAFKA_BROKERS.",
    );
  }
  log("resolving the Apache Kafka broker from Maven Central (first run only) ...");
  spawnSync("rm", ["-rf", kafkaLibs]);
  const r = spawnSync(
    "mvn",
    [
      "-q",
      "-B",
      "-f",
      kafkaPom,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${kafkaLibs}`,
      "-DincludeScope=runtime",
    ],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new ServiceError("Maven could not resolve org.apache.kafka:kafka_2.13 (see output above).");
  mkdirSync(kafkaDir, { recursive: true });
  writeFileSync(stamp, want);
}

function writeBrokerConfig(dataDir: string, port: number): string {
  const file = join(dataDir, "..", `server-${port}.properties`);
  const controller = port + 1;
  writeFileSync(
    file,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name=PLAINTEXT",
      `log.dirs=${dataDir}`,
      "num.partitions=3",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=6",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
      "delete.topic.enable=true",
      "log.retention.hours=24",
      "log.segment.bytes=67108864",
      "",
    ].join("\n"),
  );
  return file;
}

function java(args: string[], opts: Parameters<typeof spawnSync>[2] = {}) {
  return spawnSync("java", ["-cp", join(kafkaLibs, "*"), ...args], { encoding: "utf8", ...opts });
}

type KafkaHandle = { brokers: string; process?: ChildProcess };

/** Uses KAFKA_BROKERS when given; else reuses a broker on the port; else runs one (KRaft, small heap). */
async function ensureKafka(brokers: string): Promise<KafkaHandle> {
  const first = brokers.split(",")[0]!;
  const [host, portText] = first.split(":");
  const port = Number(portText ?? 9092);
  if (await canConnect(host!, port)) return { brokers };
  if (!isLocal(host!) || process.env.KAFKA_BROKERS) {
    throw new ServiceError(
      `The Kafka broker at ${first} is not reachable. Start it, run \`docker compose up redpanda\`, or fix KAFKA_BROKERS.`,
    );
  }
  ensureKafkaJars();
  const dataDir = join(kafkaDir, `data-${port}`);
  const config = writeBrokerConfig(dataDir, port);
  if (!existsSync(join(dataDir, "meta.properties"))) {
    mkdirSync(dataDir, { recursive: true });
    const r = java([
      "kafka.tools.StorageTool",
      "format",
      "-t",
      randomUUID().replace(/-/g, "").slice(0, 22),
      "-c",
      config,
      "--ignore-formatted",
    ]);
    if (r.status !== 0) throw new ServiceError(`formatting the Kafka log directory failed:\n${r.stderr}`);
  }
  log(`starting Apache Kafka (KRaft) on 127.0.0.1:${port} ...`);
  const logFile = join(kafkaDir, "broker.log");
  const out = openSync(logFile, "a");
  const child = spawn(
    "java",
    [
      "-Xms192m",
      "-Xmx512m",
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${join(repoRoot, "scripts", "kafka", "log4j2.yaml")}`,
      `-Dsluice.kafka.log=${logFile}`,
      "-cp",
      join(kafkaLibs, "*"),
      "kafka.Kafka",
      config,
    ],
    { stdio: ["ignore", out, out], detached: false },
  );
  let exited = false;
  child.on("exit", () => (exited = true));
  await waitFor(
    "the Kafka broker",
    async () => {
      if (exited) throw new ServiceError(`the Kafka broker exited during start; see ${logFile}`);
      return canConnect("127.0.0.1", port);
    },
    90_000,
    300,
  );
  return { brokers, process: child };
}

const registryDir = join(repoRoot, ".cache", "schema-registry");
const registrySource = join(repoRoot, "scripts", "schema-registry");
const registryBuild = join(registryDir, "build");

/** Builds the Apicurio Registry app (Quarkus augmentation of the Maven Central artifacts) once; again only when its sources change. */
function ensureRegistryJar(): string {
  const files = [
    join(registrySource, "pom.xml"),
    join(registrySource, "src", "main", "resources", "application.properties"),
  ];
  const stamp = join(registryDir, "build.stamp");
  const jar = join(registryBuild, "target", "local-schema-registry-1-runner.jar");
  const want = hashFiles(files);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want && existsSync(jar)) return jar;
  if (!which("mvn") || !which("java")) {
    throw new ServiceError(
      "No schema registry is reachable and Java/Maven are not installed to build one. Install a JDK 17+ and Maven, or set SCHEMA_REGISTRY_URL.",
    );
  }
  log("building Apicurio Registry from Maven Central (first run only) ...");
  spawnSync("rm", ["-rf", registryBuild]);
  mkdirSync(join(registryBuild, "src", "main", "resources"), { recursive: true });
  spawnSync("cp", [files[0]!, join(registryBuild, "pom.xml")]);
  spawnSync("cp", [files[1]!, join(registryBuild, "src", "main", "resources", "application.properties")]);
  const r = spawnSync("mvn", ["-q", "-B", "-f", join(registryBuild, "pom.xml"), "package", "-DskipTests"], {
    stdio: "inherit",
  });
  if (r.status !== 0 || !existsSync(jar))
    throw new ServiceError("Maven could not build io.apicurio:apicurio-registry-app (see output above).");
  writeFileSync(stamp, want);
  return jar;
}

/** The Confluent-compatible API of a registry: SCHEMA_REGISTRY_URL, else a local Apicurio on 127.0.0.1:18081. */
export function defaultSchemaRegistryUrl(): string {
  return process.env.SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:18081/apis/ccompat/v6";
}

async function registryAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Uses the registry at `url` when it answers; else (local URL only) runs Apicurio Registry in memory. */
async function ensureSchemaRegistry(url: string): Promise<ChildProcess | undefined> {
  if (await registryAnswers(url)) return undefined;
  const { hostname, port: portText } = new URL(url);
  if (!isLocal(hostname) || process.env.SCHEMA_REGISTRY_URL) {
    throw new ServiceError(`The schema registry at ${url} is not reachable. Start it or fix SCHEMA_REGISTRY_URL.`);
  }
  const jar = ensureRegistryJar();
  const port = Number(portText || 80);
  log(`starting Apicurio Registry (in memory) on 127.0.0.1:${port} ...`);
  const logFile = join(registryDir, "registry.log");
  const out = openSync(logFile, "a");
  const child = spawn(
    "java",
    [
      "-Xms64m",
      "-Xmx320m",
      "-XX:+UseSerialGC",
      `-Dquarkus.http.port=${port}`,
      "-Dquarkus.http.host=127.0.0.1",
      "-jar",
      jar,
    ],
    { stdio: ["ignore", out, out] },
  );
  let exited = false;
  child.on("exit", () => (exited = true));
  await waitFor(
    "the schema registry",
    async () => {
      if (exited) throw new ServiceError(`the schema registry exited during start; see ${logFile}`);
      return registryAnswers(url);
    },
    120_000,
    500,
  );
  return child;
}

export type Services = ServiceUrls & { stop(): Promise<void> };

async function stopChild(p: ChildProcess | undefined, what: string): Promise<void> {
  if (!p || p.exitCode !== null) return;
  log(`stopping ${what} ...`);
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => p.kill("SIGKILL"), 20_000);
    p.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    p.kill("SIGTERM");
  });
}

export async function ensureServices(urls: ServiceUrls): Promise<Services> {
  await ensurePostgres(urls.databaseUrl);
  await ensureRedis(urls.redisUrl);
  const kafka = await ensureKafka(urls.kafkaBrokers);
  const registry = urls.schemaRegistryUrl ? await ensureSchemaRegistry(urls.schemaRegistryUrl) : undefined;
  return {
    ...urls,
    async stop() {
      await stopChild(registry, "the schema registry");
      await stopChild(kafka.process, "the Kafka broker");
    },
  };
}
