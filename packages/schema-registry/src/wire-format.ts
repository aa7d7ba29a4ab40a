// The Confluent wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id (big-endian,
// unsigned), then the payload. Protobuf payloads start with the message indexes: which message of
// the .proto file the record is (an array of zigzag varints: its length, then each index; the first
// message, [0], is the single byte 0).

export const MAGIC_BYTE = 0;

/** A value the wire format (or its schema) cannot read; `code` is what the error port shows. */
export class WireFormatError extends Error {
  constructor(
    readonly code:
      | "registry.not-wire-format"
      | "registry.decode-failed"
      | "registry.encode-failed"
      | "registry.schema-unavailable",
    message: string,
  ) {
    super(message);
  }
}

export function splitWireFormat(value: Uint8Array): { schemaId: number; payload: Buffer } {
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buffer.length < 5 || buffer[0] !== MAGIC_BYTE) {
    throw new WireFormatError(
      "registry.not-wire-format",
      "record value is not in the schema registry wire format (magic byte 0 and a 4-byte schema id)",
    );
  }
  return { schemaId: buffer.readUInt32BE(1), payload: buffer.subarray(5) };
}

export function joinWireFormat(schemaId: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = MAGIC_BYTE;
  head.writeUInt32BE(schemaId, 1);
  return Buffer.concat([head, payload]);
}

function readZigzagVarint(buffer: Buffer, at: number): { value: number; next: number } {
  let raw = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    if (i >= buffer.length || shift > 28)
      throw new WireFormatError("registry.decode-failed", "truncated Protobuf message index");
    const byte = buffer[i++]!;
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return { value: (raw >>> 1) ^ -(raw & 1), next: i };
}

function writeZigzagVarint(value: number, out: number[]): void {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw > 0x7f) {
    out.push((raw & 0x7f) | 0x80);
    raw >>>= 7;
  }
  out.push(raw);
}

/** The message indexes at the start of a Protobuf payload, and the message bytes after them. */
export function readMessageIndexes(payload: Buffer): { indexes: number[]; rest: Buffer } {
  const length = readZigzagVarint(payload, 0);
  if (length.value === 0) return { indexes: [0], rest: payload.subarray(length.next) };
  if (length.value < 0 || length.value > 64)
    throw new WireFormatError("registry.decode-failed", "invalid Protobuf message index");
  const indexes: number[] = [];
  let at = length.next;
  for (let n = 0; n < length.value; n++) {
    const index = readZigzagVarint(payload, at);
    if (index.value < 0) throw new WireFormatError("registry.decode-failed", "invalid Protobuf message index");
    indexes.push(index.value);
    at = index.next;
  }
  return { indexes, rest: payload.subarray(at) };
}

export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeZigzagVarint(indexes.length, out);
  for (const index of indexes) writeZigzagVarint(index, out);
  return Buffer.from(out);
}
