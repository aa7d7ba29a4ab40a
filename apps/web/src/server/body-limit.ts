import "server-only";

/** Largest request body /api/trpc and /api/v1 read (1 MiB): a 500-node pipeline graph fits with room. */
const MAX_REQUEST_BODY = 1024 * 1024;

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes (a declared Content-Length over
 * the limit is refused before reading anything), so an oversized or endless body never sits in
 * memory. Answers the bytes, or a 413 response to send.
 */
export async function readBodyLimited(
  req: Request,
  limit = MAX_REQUEST_BODY,
): Promise<Uint8Array<ArrayBuffer> | Response> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return tooLarge(limit);
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(limit);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tooLarge(limit: number): Response {
  return Response.json(
    { error: { code: "PAYLOAD_TOO_LARGE", message: `Request bodies are limited to ${limit} bytes.` } },
    { status: 413 },
  );
}
