// A client of the Confluent schema registry REST API (also served by Redpanda and by Apicurio
// Registry under /apis/ccompat/v6|v7). Schemas are immutable per id, so they are cached for the
// client's lifetime; codecs too.
import { type Codec, createCodec, type SchemaType } from "./codec";
import { joinWireFormat, splitWireFormat, WireFormatError } from "./wire-format";

export type RegistryAuth = { username: string; password: string };
export type RegistryOptions = { url: string; auth?: RegistryAuth; timeoutMs?: number; fetch?: typeof fetch };
export type RegisteredSchema = { id: number; subject: string; version: number; schemaType: SchemaType; schema: string };
export type CompatibilityLevel =
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE"
  | "NONE";

/** A registry answer other than success. `status` 0: no answer (network, timeout). */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode?: number,
  ) {
    super(message);
  }
}

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
const schemaTypeOf = (value: unknown): SchemaType => (value === "PROTOBUF" || value === "JSON" ? value : "AVRO");

export type RegistryClient = ReturnType<typeof createRegistryClient>;

export function createRegistryClient(options: RegistryOptions) {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
  if (options.auth)
    headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;
  const schemas = new Map<number, Promise<{ schemaType: SchemaType; schema: string }>>();
  const codecs = new Map<number, Promise<Codec>>();

  async function call<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": CONTENT_TYPE },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: "error",
      });
    } catch (e) {
      throw new RegistryError(0, `schema registry unreachable: ${(e as Error).message}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const detail = (json as { message?: string; error_code?: number } | undefined) ?? {};
      const message =
        response.status === 401 || response.status === 403
          ? "the schema registry refused the credentials"
          : (detail.message ?? `HTTP ${response.status}`);
      throw new RegistryError(response.status, `schema registry: ${message.slice(0, 300)}`, detail.error_code);
    }
    return json as T;
  }

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  const client = {
    url: base,
    /** The schema with this id (cached: ids are immutable). */
    schemaById(id: number): Promise<{ schemaType: SchemaType; schema: string }> {
      let cached = schemas.get(id);
      if (!cached) {
        cached = call<{ schema: string; schemaType?: string }>("GET", `/schemas/ids/${id}`).then((r) => ({
          schemaType: schemaTypeOf(r.schemaType),
          schema: r.schema,
        }));
        // A failed look-up is not cached: the next record tries again.
        cached.catch(() => schemas.delete(id));
        schemas.set(id, cached);
      }
      return cached;
    },
    async latest(subject: string): Promise<RegisteredSchema> {
      const r = await call<{ id: number; subject: string; version: number; schemaType?: string; schema: string }>(
        "GET",
        `${subjectPath(subject)}/versions/latest`,
      );
      return {
        id: r.id,
        subject: r.subject,
        version: r.version,
        schemaType: schemaTypeOf(r.schemaType),
        schema: r.schema,
      };
    },
    subjects: () => call<string[]>("GET", "/subjects"),
    /** Registers (or finds) the schema under the subject; the registry refuses an incompatible one. */
    async register(subject: string, schemaType: SchemaType, schema: string): Promise<number> {
      const r = await call<{ id: number }>("POST", `${subjectPath(subject)}/versions`, {
        schema,
        ...(schemaType === "AVRO" ? {} : { schemaType }),
      });
      return r.id;
    },
    /** Whether the schema may follow the subject's latest version under its compatibility mode; true when the subject has none yet. */
    async isCompatible(subject: string, schemaType: SchemaType, schema: string): Promise<boolean> {
      try {
        const r = await call<{ is_compatible: boolean }>(
          "POST",
          `/compatibility${subjectPath(subject)}/versions/latest`,
          { schema, ...(schemaType === "AVRO" ? {} : { schemaType }) },
        );
        return r.is_compatible;
      } catch (e) {
        // 40401 subject not found / 40402 version not found: nothing to be compatible with.
        if (e instanceof RegistryError && e.status === 404) return true;
        throw e;
      }
    },
    /** The subject's compatibility mode, else the registry's global one. */
    async compatibility(subject?: string): Promise<CompatibilityLevel> {
      const read = async (path: string) => {
        const r = await call<{ compatibilityLevel?: string; compatibility?: string }>("GET", path);
        return (r.compatibilityLevel ?? r.compatibility) as CompatibilityLevel;
      };
      if (subject) {
        try {
          return await read(`/config/${encodeURIComponent(subject)}`);
        } catch (e) {
          if (!(e instanceof RegistryError && e.status === 404)) throw e;
        }
      }
      return read("/config");
    },
    async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
      await call("PUT", subject ? `/config/${encodeURIComponent(subject)}` : "/config", { compatibility: level });
    },
    /** The codec of a schema id (cached). */
    codec(id: number): Promise<Codec> {
      let cached = codecs.get(id);
      if (!cached) {
        cached = client.schemaById(id).then(({ schemaType, schema }) => createCodec(schemaType, schema));
        cached.catch(() => codecs.delete(id));
        codecs.set(id, cached);
      }
      return cached;
    },
    /**
     * A wire-format value as a JSON object. Throws WireFormatError: not the wire format, a schema
     * the registry does not have or cannot give (`registry.schema-unavailable`), a payload that does
     * not match the schema, or a schema of another type than `expected`.
     */
    async decode(value: Uint8Array, expected?: SchemaType): Promise<Record<string, unknown>> {
      const { schemaId, payload } = splitWireFormat(value);
      let codec: Codec;
      try {
        codec = await client.codec(schemaId);
      } catch (e) {
        if (e instanceof RegistryError && e.status !== 404 && e.status !== 422) throw e;
        throw new WireFormatError("registry.schema-unavailable", `schema id ${schemaId}: ${(e as Error).message}`);
      }
      if (expected && codec.schemaType !== expected) {
        throw new WireFormatError(
          "registry.decode-failed",
          `schema id ${schemaId} is ${codec.schemaType}, the source expects ${expected}`,
        );
      }
      return codec.decode(payload);
    },
    async encode(schemaId: number, value: Record<string, unknown>): Promise<Buffer> {
      return joinWireFormat(schemaId, (await client.codec(schemaId)).encode(value));
    },
  };
  return client;
}
