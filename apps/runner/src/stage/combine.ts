// The combiner's runner side (ENGINE.md "Combiner"): a stateless stage writing a window's input topic
// sends, per batch and partition of that topic, one record of window partials (format 1 of
// `WindowPartialsV1`, header PARTIAL_HEADER) instead of each event; the window stage reads it back.
// Fences: the record's fence header carries the last fence number of the events it holds and
// PARTIAL_HEADER the first; a reader skips it when it applied the last already, applies it whole when
// it applied nothing of it, and otherwise only the events above what it applied (their fence numbers
// travel with the partials), so a window counts each event once, exactly as with one record per event.
import { type OutgoingMessage, partitionForKey } from "@sluice/kafka";
import {
  type EventRecord,
  type NodeConfig,
  PARTIAL_FORMAT_VERSION,
  PARTIAL_HEADER,
  type Plan,
  readPartials,
  WindowCombiner,
  windowCombinable,
  WindowCore,
  type WindowPartialsV1,
} from "@sluice/shared";
import { FENCE_HEADER } from "./fences";

/** A window's input topic whose writers combine: the window's config and core, the topic's partition count. */
export type CombineTarget = { config: NodeConfig<"window">; window: WindowCore; partitions: number };

/** Window input topics that writers combine into (windowCombinable), given their partition counts. */
export function combineTargets(plan: Plan, partitionsOf: (topic: string) => number | undefined) {
  const targets = new Map<string, CombineTarget>();
  for (const [topic, keying] of Object.entries(plan.keying)) {
    if (keying.kind !== "window-group") continue;
    const stage = plan.stages.find((s) => s.nodes[0]?.id === keying.nodeId);
    const node = stage?.nodes[0];
    const partitions = partitionsOf(topic);
    if (!stage || node?.type !== "window" || partitions === undefined) continue;
    const config = node.config as NodeConfig<"window">;
    if (windowCombinable(config, stage.routes[node.id]?.["late"] !== undefined))
      targets.set(topic, { config, window: new WindowCore(config), partitions });
  }
  return targets;
}

type Bundle = { value: WindowPartialsV1; key: string; first: number; last: number };

/**
 * One writer batch's combining. `add` takes an event written to `topic` with its fence number and
 * returns false when that topic is not combined (send the event as usual). `messages` are the partials
 * records, to send after the batch's other records and before its watermark records.
 */
export function startCombining(
  targets: ReadonlyMap<string, CombineTarget> | undefined,
  topicKeys: ReadonlyMap<string, (event: EventRecord) => string>,
  stream: string,
  now: number,
) {
  const open = new Map<string, { combiner: WindowCombiner; events: Map<number, Bundle> }>();
  const bundleOf = (bundles: Map<number, Bundle>, partition: number, key: string, n: number) => {
    let bundle = bundles.get(partition);
    if (!bundle) bundles.set(partition, (bundle = { value: { p: [] }, key, first: n, last: n }));
    bundle.first = Math.min(bundle.first, n);
    bundle.last = Math.max(bundle.last, n);
    return bundle;
  };
  return {
    has: (topic: string) => targets?.has(topic) ?? false,
    add(topic: string, event: EventRecord, n: number): boolean {
      const target = targets?.get(topic);
      if (!target) return false;
      let state = open.get(topic);
      if (!state)
        open.set(topic, (state = { combiner: new WindowCombiner(target.config, target.window), events: new Map() }));
      if (state.combiner.add(event, n, now) !== undefined) return true;
      // Not combinable (no event time, a failing group-by): the window handles it, in sequence.
      const key = topicKeys.get(topic)?.(event) ?? "";
      const bundle = bundleOf(state.events, partitionForKey(key, target.partitions), key, n);
      (bundle.value.e ??= []).push([n, event]);
      return true;
    },
    messages(): OutgoingMessage[] {
      const messages: OutgoingMessage[] = [];
      for (const [topic, { combiner, events: bundles }] of open) {
        const { partitions } = targets!.get(topic)!;
        for (const { groupKey, partial, first, last } of combiner.take()) {
          const bundle = bundleOf(bundles, partitionForKey(groupKey, partitions), groupKey, first);
          bundle.last = Math.max(bundle.last, last);
          bundle.value.p.push(partial);
        }
        for (const [partition, { value, key, first, last }] of bundles)
          messages.push({
            topic,
            partition,
            key,
            value: JSON.stringify(value),
            headers: { [FENCE_HEADER]: `${stream} ${last}`, [PARTIAL_HEADER]: `${PARTIAL_FORMAT_VERSION} ${first}` },
          });
      }
      return messages;
    },
  };
}

/**
 * The reader's side of a partials record: undefined when every event in it was applied already (its
 * last fence number is at or below what the reader applied from the stream), else the records for the
 * window (partials and the events the writer could not combine), without what was applied; `seen`
 * moves to its last number. A format this runner does not know is an error (never counted).
 */
export function admitPartials(
  value: string,
  partialHeader: string,
  fenceHeader: string | undefined,
  seen: Record<string, number> | undefined,
  config: NodeConfig<"window">,
): EventRecord[] | undefined {
  const [version, firstText] = partialHeader.split(" ");
  if (Number(version) !== PARTIAL_FORMAT_VERSION)
    throw new UnknownPartials(
      `window partials of format ${version ?? "?"}; this runner reads ${PARTIAL_FORMAT_VERSION}`,
    );
  let after: number | undefined;
  if (seen && fenceHeader !== undefined) {
    const space = fenceHeader.indexOf(" ");
    const stream = fenceHeader.slice(0, space);
    const last = Number(fenceHeader.slice(space + 1));
    const first = Number(firstText);
    const applied = seen[stream];
    if (applied !== undefined && last <= applied) return undefined;
    if (applied !== undefined && first <= applied) after = applied;
    if (Number.isFinite(last)) seen[stream] = last;
  }
  const { partials, events } = readPartials(JSON.parse(value) as WindowPartialsV1, config, after);
  return [...partials, ...events];
}

export class UnknownPartials extends Error {
  readonly code = "record.unknown-partials-format";
}
