import { durationMs } from "../events/duration";
import { toIso } from "../events/event-time";
import type { EventRecord, JsonObject } from "../events/json-value";
import { mixSeed, type Random, seededRandom } from "../hash/seeded-random";
import type { NodeConfig } from "../nodes/registry";
import { PAGES, REFERRERS, type SyntheticUser, syntheticProps, syntheticUser } from "./generator-catalog";

type GeneratorConfig = NodeConfig<"generator">;

export type GenerateOptions = {
  /** Event time of event #0 (epoch ms); usually the deploy time. */
  startTimeMs: number;
  /** First event index to produce: the runner checkpoints the next index and resumes from it. */
  fromIndex: number;
  count: number;
};

const SESSION_BUCKET_MS = 30 * 60_000;

/**
 * Deterministic synthetic clickstream: event #i depends only on (config, startTimeMs, i), so a restarted
 * generator resumes mid-stream with identical events and previews are reproducible. Event times advance
 * at `eventsPerSecond`; `receivedAt` equals the nominal time even for late events, like a real ingest.
 */
export function generateEvents(config: GeneratorConfig, options: GenerateOptions): EventRecord[] {
  const synth = new EventSynthesizer(config, options.startTimeMs);
  const events: EventRecord[] = [];
  for (let i = options.fromIndex; i < options.fromIndex + options.count; i++) events.push(synth.emit(i));
  return events;
}

/** How many events are due between startTimeMs and nowMs: the runner's "produce up to" index. */
export function generatorIndexAt(config: GeneratorConfig, startTimeMs: number, nowMs: number): number {
  return Math.max(0, Math.floor(((nowMs - startTimeMs) * config.eventsPerSecond) / 1000));
}

class EventSynthesizer {
  private readonly types: string[];
  private readonly weights: number[];
  private readonly maxLatenessMs: number;
  private readonly users = new Map<number, SyntheticUser>();

  constructor(
    private readonly config: GeneratorConfig,
    private readonly startTimeMs: number,
  ) {
    this.types = config.eventMix.map((entry) => entry.type);
    this.weights = config.eventMix.map((entry) => entry.weight);
    this.maxLatenessMs = Math.max(1, durationMs(config.maxLateness));
  }

  /** What is emitted at index i: usually event i, sometimes a re-send of a recent one. */
  emit(index: number, depth = 0): EventRecord {
    // Decisions come from their own stream so that changing one ratio does not reshuffle content.
    const decisions = seededRandom(mixSeed(this.config.seed ^ 0xdec1, index));
    if (index > 0 && depth < 8 && decisions.next() < this.config.duplicateRatio) {
      const original = index - 1 - decisions.int(Math.min(index, 20));
      return { ...this.emit(original, depth + 1), receivedAt: toIso(this.nominalTime(index)) };
    }
    return this.synthesize(index);
  }

  private nominalTime(index: number): number {
    return this.startTimeMs + Math.floor((index * 1000) / this.config.eventsPerSecond);
  }

  private synthesize(index: number): EventRecord {
    const random = seededRandom(mixSeed(this.config.seed, index));
    const lateRoll = random.next();
    const malformedRoll = random.next();
    const nominal = this.nominalTime(index);
    const eventTime = lateRoll < this.config.lateRatio ? nominal - 1 - random.int(this.maxLatenessMs) : nominal;

    // Quadratic skew: a few users produce most events, as in real traffic.
    const userIndex = Math.floor(this.config.users * random.next() ** 2);
    const user = this.user(userIndex);
    const type = random.weighted(this.types, this.weights);
    const page = type === "purchase" ? PAGES[8] : random.pick(PAGES);

    const context: JsonObject = {
      page: {
        url: `https://shop.example.com${page.path}`,
        path: page.path,
        title: page.title,
        referrer: random.pick(REFERRERS),
      },
      userAgent: user.userAgent,
      ip: user.ip,
      locale: user.locale,
      device: { type: user.device },
    };
    const event: EventRecord = {
      id: uuidFrom(seededRandom(mixSeed(this.config.seed ^ 0x1d, index))),
      type,
      userId: user.userId,
      anonymousId: user.anonymousId,
      sessionId: `s_${userIndex}_${Math.floor(eventTime / SESSION_BUCKET_MS)}`,
      timestamp: toIso(eventTime),
      receivedAt: toIso(nominal),
      props: syntheticProps(type, user, random, index),
      context,
    };
    return malformedRoll < this.config.malformedRatio ? malform(event, random) : event;
  }

  private user(index: number): SyntheticUser {
    let user = this.users.get(index);
    if (!user) {
      user = syntheticUser(index, seededRandom(mixSeed(this.config.seed ^ 0x05e5, index)));
      this.users.set(index, user);
    }
    return user;
  }
}

/** Breaks an event the ways real producers do, so validate and error ports get exercised. */
function malform(event: EventRecord, random: Random): EventRecord {
  const broken = { ...event };
  switch (random.int(5)) {
    case 0:
      delete broken.userId;
      delete broken.anonymousId;
      break;
    case 1:
      broken.timestamp = "yesterday-ish";
      break;
    case 2:
      broken.type = 42;
      break;
    case 3:
      broken.props = "{amount: 12}";
      break;
    default:
      delete broken.id;
  }
  return broken;
}

function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(16).toString(16));
  hex[12] = "4";
  hex[16] = ((random.int(4) + 8) & 0xf).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
