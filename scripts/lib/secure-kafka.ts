// A second, throwaway Kafka broker for the tests of secured connections: one KRaft JVM with a
// SASL_SSL listener (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN users) and an SSL listener that requires a
// client certificate (mutual TLS), a CA, broker and client certificates made with openssl at start, a fresh log directory in a temporary folder and free ports, so several
// checkouts on one machine can each run their own. `stop()` kills it and removes the folder.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDebianPackages } from "./apt";
import { canConnect, waitFor } from "./net";
import { repoRoot } from "./paths";
import { ensureKafkaJars, kafkaLibs, ServiceError } from "./services";

export type SecureKafka = {
  /** What the tests read: KAFKA_SECURE_BROKERS, KAFKA_SECURE_CA_FILE, users and passwords. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

const log = (m: string) => console.log(`[sluice] ${m}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to its end; rejects with its output when it fails. */
function exec(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new ServiceError(`${cmd} ${args[0] ?? ""} failed (${code}):\n${output.slice(-2000)}`)),
    );
  });
}

/**
 * A CA, a broker certificate it signs (SAN 127.0.0.1 and localhost) in a PKCS12 keystore, a client
 * certificate it signs (mutual TLS), and an unrelated second CA with a client certificate of its own
 * (the "wrong CA" and "wrong client certificate" tests). Everything lives only as long as the broker.
 */
async function makeCertificates(dir: string, storePassword: string) {
  const openssl = (...args: string[]) => exec("openssl", args, dir);
  const subject = (cn: string) => `/CN=${cn}/O=Sluice test harness`;
  await Promise.all([
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      subject("Sluice test CA"),
    ),
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "other-ca.key",
      "-out",
      "other-ca.pem",
      "-days",
      "2",
      "-subj",
      subject("Unrelated test CA"),
    ),
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "broker.key",
      "-out",
      "broker.csr",
      "-subj",
      subject("localhost"),
    ),
    ...["client", "other-client"].map((name) =>
      openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        subject(name),
      ),
    ),
  ]);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  const signClient = (name: string, ca: string) =>
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      "client.ext",
    );
  await Promise.all([signClient("client", "ca"), signClient("other-client", "other-ca")]);
  writeFileSync(join(dir, "broker.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await openssl(
    "x509",
    "-req",
    "-in",
    "broker.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "broker.pem",
    "-days",
    "2",
    "-extfile",
    "broker.ext",
  );
  await openssl(
    "pkcs12",
    "-export",
    "-in",
    "broker.pem",
    "-inkey",
    "broker.key",
    "-certfile",
    "ca.pem",
    "-name",
    "broker",
    "-out",
    "broker.p12",
    "-passout",
    `pass:${storePassword}`,
  );
}

export async function startSecureKafka(options: { passwordPrefix?: string } = {}): Promise<SecureKafka> {
  ensureKafkaJars();
  ensureDebianPackages({ openssl: "openssl" });
  const dir = mkdtempSync(join(tmpdir(), "sluice-secure-kafka-"));
  const [port, controllerPort, internalPort, mtlsPort, oauthPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const secret = () => `${options.passwordPrefix ?? ""}${randomBytes(12).toString("hex")}`;
  const users = {
    scram256: { user: "sluice-scram256", password: secret() },
    scram512: { user: "sluice-scram512", password: secret() },
    plain: { user: "sluice-plain", password: secret() },
  };
  const storePassword = randomBytes(12).toString("hex");
  const config = join(dir, "server.properties");
  const dataDir = join(dir, "data");
  const jaas = (module: string, extra = "") => `org.apache.kafka.common.security.${module} required${extra};`;
  writeFileSync(
    config,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      // Clients use SASL_SSL, or SSL with a client certificate (MTLS); the broker talks to itself over
      // a loopback PLAINTEXT listener.
      `listeners=SASL_SSL://127.0.0.1:${port},MTLS://127.0.0.1:${mtlsPort},OAUTH://127.0.0.1:${oauthPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${port},MTLS://127.0.0.1:${mtlsPort},OAUTH://127.0.0.1:${oauthPort},INTERNAL://127.0.0.1:${internalPort}`,
      "listener.security.protocol.map=SASL_SSL:SASL_SSL,MTLS:SSL,OAUTH:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
      // OAUTHBEARER with Kafka's unsecured validator: unsigned (alg none) JWTs with sub, iat and exp.
      "listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER",
      `listener.name.oauth.oauthbearer.sasl.jaas.config=${jaas("oauthbearer.OAuthBearerLoginModule")}`,
      "listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler",
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=INTERNAL",
      "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
      `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas("scram.ScramLoginModule")}`,
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas("scram.ScramLoginModule")}`,
      `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas("plain.PlainLoginModule", ` user_${users.plain.user}="${users.plain.password}"`)}`,
      "ssl.keystore.type=PKCS12",
      `ssl.keystore.location=${join(dir, "broker.p12")}`,
      `ssl.keystore.password=${storePassword}`,
      `ssl.key.password=${storePassword}`,
      "ssl.client.auth=none",
      "listener.name.mtls.ssl.client.auth=required",
      "listener.name.mtls.ssl.truststore.type=PEM",
      `listener.name.mtls.ssl.truststore.location=${join(dir, "ca.pem")}`,
      `log.dirs=${dataDir}`,
      "num.partitions=3",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=3",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
      "",
    ].join("\n"),
  );
  const cp = join(kafkaLibs, "*");
  // The certificates and the log directory's format (which stores the SCRAM users) are independent.
  await Promise.all([
    makeCertificates(dir, storePassword),
    exec(
      "java",
      [
        "-cp",
        cp,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        randomUUID().replace(/-/g, "").slice(0, 22),
        "-c",
        config,
        "--add-scram",
        `SCRAM-SHA-256=[name=${users.scram256.user},password=${users.scram256.password}]`,
        "--add-scram",
        `SCRAM-SHA-512=[name=${users.scram512.user},password=${users.scram512.password}]`,
      ],
      dir,
    ),
  ]);
  log(`starting the SASL_SSL test broker on 127.0.0.1:${port} ...`);
  const logFile = join(dir, "broker.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    "java",
    [
      "-Xms128m",
      "-Xmx384m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${join(repoRoot, "scripts", "kafka", "log4j2.yaml")}`,
      `-Dsluice.kafka.log=${logFile}`,
      "-cp",
      cp,
      "kafka.Kafka",
      config,
    ],
    { stdio: ["ignore", out, out] },
  );
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (!exited) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.kill("SIGTERM");
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "the SASL_SSL test broker",
      async () => {
        if (exited) throw new ServiceError(`the SASL_SSL test broker exited during start; see ${logFile}`);
        return (
          (await canConnect("127.0.0.1", internalPort)) &&
          (await canConnect("127.0.0.1", port)) &&
          (await canConnect("127.0.0.1", mtlsPort)) &&
          (await canConnect("127.0.0.1", oauthPort))
        );
      },
      90_000,
      300,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    env: {
      KAFKA_SECURE_BROKERS: `127.0.0.1:${port}`,
      KAFKA_SECURE_CA_FILE: join(dir, "ca.pem"),
      KAFKA_SECURE_OTHER_CA_FILE: join(dir, "other-ca.pem"),
      KAFKA_SECURE_MTLS_BROKERS: `127.0.0.1:${mtlsPort}`,
      KAFKA_SECURE_OAUTH_BROKERS: `127.0.0.1:${oauthPort}`,
      KAFKA_SECURE_CLIENT_CERT_FILE: join(dir, "client.pem"),
      KAFKA_SECURE_CLIENT_KEY_FILE: join(dir, "client.key"),
      KAFKA_SECURE_OTHER_CLIENT_CERT_FILE: join(dir, "other-client.pem"),
      KAFKA_SECURE_OTHER_CLIENT_KEY_FILE: join(dir, "other-client.key"),
      KAFKA_SECURE_SCRAM256_USER: users.scram256.user,
      KAFKA_SECURE_SCRAM256_PASSWORD: users.scram256.password,
      KAFKA_SECURE_SCRAM512_USER: users.scram512.user,
      KAFKA_SECURE_SCRAM512_PASSWORD: users.scram512.password,
      KAFKA_SECURE_PLAIN_USER: users.plain.user,
      KAFKA_SECURE_PLAIN_PASSWORD: users.plain.password,
    },
    stop,
  };
}
