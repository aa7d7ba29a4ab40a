// A stage batch as one Redis string (the "claim check" a BullMQ job points to): a JSON line of
// offsets, keys, value lengths and headers, then the raw values back to back. The values are JSON
// text already; embedding them in job JSON would escape every quote on the way in and unescape it
// on the way out, which cost more than the stage's own work.
import { z } from "zod";

/** A stage job's batch: consecutive records of one partition. Values stay raw text (decoded by the worker). */
export const StageBatchV1 = z.object({
  version: z.literal("v1"),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  records: z.array(
    z.object({
      o: z.string(),
      k: z.string().nullable(),
      v: z.string(),
      h: z.record(z.string(), z.string()).optional(),
    }),
  ),
});
export type StageBatchV1 = z.infer<typeof StageBatchV1>;
type PayloadRecord = StageBatchV1["records"][number];
export type PayloadBatch = StageBatchV1;

type Meta = {
  t: string;
  p: number;
  o: string[];
  k: (string | null)[];
  l: number[];
  h?: (Record<string, string> | 0)[];
};

export function encodeBatchPayload(batch: PayloadBatch): string {
  const n = batch.records.length;
  const meta: Meta = {
    t: batch.topic,
    p: batch.partition,
    o: new Array<string>(n),
    k: new Array<string | null>(n),
    l: new Array<number>(n),
  };
  const values = new Array<string>(n);
  let withHeaders = false;
  for (let i = 0; i < n; i++) {
    const r = batch.records[i]!;
    meta.o[i] = r.o;
    meta.k[i] = r.k;
    meta.l[i] = r.v.length;
    values[i] = r.v;
    if (r.h) withHeaders = true;
  }
  if (withHeaders) meta.h = batch.records.map((r) => r.h ?? 0);
  // JSON.stringify never emits a raw newline, so the first one ends the meta line.
  return `${JSON.stringify(meta)}\n${values.join("")}`;
}

export function decodeBatchPayload(text: string): PayloadBatch {
  const split = text.indexOf("\n");
  if (split < 0) throw new Error("batch payload has no meta line");
  const meta = JSON.parse(text.slice(0, split)) as Meta;
  const records: PayloadRecord[] = new Array<PayloadRecord>(meta.o.length);
  let at = split + 1;
  for (let i = 0; i < meta.o.length; i++) {
    const end = at + meta.l[i]!;
    const h = meta.h?.[i];
    records[i] = { o: meta.o[i]!, k: meta.k[i] ?? null, v: text.slice(at, end), ...(h ? { h } : {}) };
    at = end;
  }
  if (at !== text.length)
    throw new Error(
      `batch payload has ${text.length - (split + 1)} characters of values, its records say ${at - (split + 1)}`,
    );
  return { version: "v1", topic: meta.t, partition: meta.p, records };
}
