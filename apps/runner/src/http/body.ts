import type { IncomingMessage } from "node:http";
import { HttpError } from "./respond";

/** Reads the whole body, refusing (413) as soon as it exceeds `limit` bytes, declared or streamed. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, "payload_too_large", `request body exceeds ${limit} bytes`, { connection: "close" });
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Stop buffering at once: a client may stream far more than it declared.
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
