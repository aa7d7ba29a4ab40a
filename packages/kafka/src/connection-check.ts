// What went wrong reaching a cluster, in words a person can act on, and a one-shot check of a
// connection ("Test connection"): one metadata round trip with no retries and a hard deadline.
import { Admin } from "@platformatic/kafka";
import type { KafkaSasl, KafkaTls } from "./client-base";

/** Why a cluster could not be used. `other` covers whatever the rest do not (a protocol error, a bug). */
export type KafkaProblemCategory = "auth" | "tls" | "unreachable" | "timeout" | "other";

export type KafkaProblem = { category: KafkaProblemCategory; message: string };

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ECONNRESET",
  "EPIPE",
]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)|^EPROTO$/;

type Leaf = { code?: unknown; message?: unknown };
const CLOSED_MESSAGE = "the broker closed the connection";

/** Every error in a (nested) client error: AggregateError members and causes. */
function chain(error: unknown): Leaf[] {
  const out: Leaf[] = [];
  const walk = (e: unknown, depth: number) => {
    if (depth > 6 || typeof e !== "object" || e === null) return;
    out.push(e as Leaf);
    const { errors, cause } = e as { errors?: unknown[]; cause?: unknown };
    if (Array.isArray(errors)) for (const inner of errors) walk(inner, depth + 1);
    walk(cause, depth + 1);
  };
  walk(error, 0);
  return out;
}

/** Sorts a client error into a category with a short message that names no credentials. */
export function classifyKafkaError(error: unknown): KafkaProblem {
  const leaves = chain(error);
  const codes = leaves.map((l) => (typeof l.code === "string" ? l.code : ""));
  const messages = leaves.map((l) => (typeof l.message === "string" ? l.message : ""));
  const closedInHandshake =
    leaves.some(
      (l) =>
        l.code === "PLT_KFK_AUTHENTICATION" &&
        typeof l.message === "string" &&
        /suitable SASL mechanism/.test(l.message),
    ) && messages.includes("Connection closed");
  if (closedInHandshake) {
    return {
      category: "tls",
      message:
        "the broker closed the connection during the SASL handshake: it probably expects TLS (SASL_SSL), or does not offer this mechanism",
    };
  }
  // OAUTHBEARER: the client library does not finish the exchange after the broker refuses a token, so
  // the refusal shows as the broker's complaint about the next request.
  if (messages.some((m) => /current SASL state/.test(m))) {
    return {
      category: "auth",
      message:
        "authentication failed: the broker rejected the OAUTHBEARER token (expired, or not valid for this cluster)",
    };
  }
  if (
    codes.includes("PLT_KFK_AUTHENTICATION") ||
    messages.some((m) => /SASL_AUTHENTICATION_FAILED|authentication failed/i.test(m))
  ) {
    return {
      category: "auth",
      message: "authentication failed: the broker rejected the username or password (or the SASL mechanism)",
    };
  }
  const tls = codes.find((c) => TLS_CODE.test(c));
  if (tls) {
    const detail = messages[codes.indexOf(tls)] || tls;
    return { category: "tls", message: `TLS handshake failed: ${detail} (${tls})` };
  }
  if (messages.some((m) => /secure TLS connection|TLS|SSL routines/i.test(m))) {
    return {
      category: "tls",
      message:
        "TLS handshake failed: the broker does not speak TLS on this port, or TLS is off while the broker expects it",
    };
  }
  const unreachable = codes.find((c) => UNREACHABLE.has(c));
  if (unreachable) return { category: "unreachable", message: `cannot reach the brokers (${unreachable})` };
  if (messages.includes("Connection closed")) return { category: "unreachable", message: CLOSED_MESSAGE };
  if (codes.some((c) => c === "PLT_KFK_TIMEOUT" || c === "ETIMEDOUT") || messages.some((m) => /timed? ?out/i.test(m))) {
    return { category: "timeout", message: "the brokers did not answer in time" };
  }
  const first = messages.find((m) => m && !/^Cannot connect to any broker\.?$/.test(m)) ?? messages[0] ?? String(error);
  return { category: "other", message: first };
}

/**
 * A TLS broker that closes the connection as soon as the handshake is over has usually refused the
 * client's certificate (TLS 1.3 checks it after the client considers the handshake done, and the
 * client library reports only the closed connection), or wants SASL first.
 */
function afterTlsHandshake(problem: KafkaProblem, tls: KafkaTls | undefined): KafkaProblem {
  if (!tls || problem.message !== CLOSED_MESSAGE) return problem;
  return {
    category: "tls",
    message: tls.cert
      ? "the broker closed the connection right after the TLS handshake: it probably refused the client certificate (not signed by a CA it trusts, or expired), or expects SASL"
      : "the broker closed the connection right after the TLS handshake: it probably requires a client certificate (mutual TLS), or expects SASL",
  };
}

/** An error whose message is the classified problem; its stack is its message (the fix is configuration). */
export class KafkaConnectionError extends Error {
  override readonly name = "KafkaConnectionError";
  readonly category: KafkaProblemCategory;

  constructor(problem: KafkaProblem, cause?: unknown) {
    super(problem.message, { cause });
    this.category = problem.category;
    this.stack = `${this.name}: ${this.message}`;
  }
}

export type ClusterCheckOptions = {
  brokers: string[];
  clientId: string;
  tls?: KafkaTls;
  sasl?: KafkaSasl;
  /** Hard deadline for the whole check. Default 10 s. */
  timeoutMs?: number;
};

export type ClusterCheck =
  | { ok: true; topics: { name: string; partitions: number }[]; brokers: number }
  | ({ ok: false } & KafkaProblem);

/**
 * Connects, authenticates and reads the cluster's metadata once: the topics (internal ones left out)
 * with their partition counts. No retries, so a wrong password costs one connection per broker tried.
 */
export async function checkCluster(options: ClusterCheckOptions): Promise<ClusterCheck> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const admin = new Admin({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    connectTimeout: Math.min(5000, timeoutMs),
    requestTimeout: timeoutMs,
    retries: 0,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.sasl ? { sasl: options.sasl } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
  });
  try {
    const metadata = await Promise.race([admin.metadata({ topics: [], forceUpdate: true }), deadline]);
    const names = (await Promise.race([admin.listTopics({ includeInternals: false }), deadline])).sort();
    const described =
      names.length > 0
        ? await Promise.race([admin.metadata({ topics: names, forceUpdate: true }), deadline])
        : undefined;
    return {
      ok: true,
      brokers: metadata.brokers.size,
      topics: names.map((name) => ({ name, partitions: described?.topics.get(name)?.partitionsCount ?? 0 })),
    };
  } catch (error) {
    return { ok: false, ...afterTlsHandshake(classifyKafkaError(error), options.tls) };
  } finally {
    clearTimeout(timer);
    await admin.close().catch(() => undefined);
  }
}
