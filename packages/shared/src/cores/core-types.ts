import type { RecordError } from "../events/dead-letter-record";
import type { EventRecord } from "../events/json-value";

/** Per-batch inputs besides the events. Cores never read clocks themselves, so they are deterministic. */
export type CoreContext = {
  /** Processing time of the batch in epoch ms: `now` in expressions. */
  now: number;
  /**
   * Stateful cores only: the watermark combined across all partitions of the input (the runner passes
   * the minimum of the partitions' `watermark` results). Omitted: this core is the only partition,
   * as in preview. It never moves the core's watermark backwards.
   */
  watermark?: number | null;
};

/** A record a core could not process, bound for the node's error port / dead-letter topic. */
export type CoreFailure = { event: EventRecord; error: RecordError };

export type CoreResult = {
  /** Records per output port name. Ports with nothing to emit may be absent. */
  outputs: Record<string, EventRecord[]>;
  errors: CoreFailure[];
  /** Message keys for `outputs[port]`, index-aligned, when the core sets them (key-by). Otherwise the input key is kept. */
  keys?: Record<string, string[]>;
};

export type StatefulCoreResult = CoreResult & {
  /** This partition's watermark after the batch (max event time minus delay); null before any event time was seen. */
  watermark: number | null;
};

/** A stateless transform: same batch in, same result out. */
export type Core = {
  process(batch: readonly EventRecord[], ctx: CoreContext): CoreResult;
};

/**
 * A stateful transform for one partition. Its state is a plain JSON object: the runner checkpoints
 * `snapshot()` together with the offsets of the batch just processed and passes it back to the
 * constructor on recovery, which then continues exactly as the original would have.
 */
export type StatefulCore<State> = {
  process(batch: readonly EventRecord[], ctx: CoreContext): StatefulCoreResult;
  snapshot(): State;
};

/** A transform whose processing needs I/O (enrich): the I/O comes in as a function. */
export type AsyncCore = {
  process(batch: readonly EventRecord[], ctx: CoreContext): Promise<CoreResult>;
};
