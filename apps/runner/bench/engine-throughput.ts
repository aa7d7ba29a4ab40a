// End-to-end throughput of one in-process engine on the local services: HTTP ingest (500 events per
// request, 4 concurrent clients) -> topic -> stage [validate -> map -> kafka-sink] -> external topic.
// Prints events/s from the first request until every event is in the sink topic, and CPU µs/event.
//   node --import tsx apps/runner/bench/engine-throughput.ts [--events 100000]
import { parseArgs } from "node:util";
import { createPipeline, createApiKey, createWorld, deploy, startEngine, waitRunning } from "../test/engine-world";
import { graph } from "../test/graphs";
import { uniqueName } from "../test/services";

const { values } = parseArgs({ options: { events: { type: "string", default: "100000" } } });
const total = Number(values.events);
const perRequest = 500;
const clients = 4;

const world = await createWorld();
const running = await startEngine(world);
try {
  const pipeline = await createPipeline(world, "bench");
  const key = await createApiKey(world);
  const pathKey = uniqueName("bench").toLowerCase();
  const outTopic = `sluice.${world.workspaceId}.bench-out`;
  await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 6 }]);
  const { deploymentId } = await deploy(
    world,
    pipeline.id,
    graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, maxBatch: perRequest } },
        { id: "validate", type: "validate" },
        { id: "map", type: "map", config: { assignments: [{ target: "props.cents", expression: "int(event.props.amount * 100.0)" }] } },
        { id: "out", type: "kafka-sink", config: { topic: outTopic } },
      ],
      [["ingest", "validate"], ["validate", "map"], ["map", "out"]],
    ),
  );
  await waitRunning(world, deploymentId);
  const body = (r: number) =>
    JSON.stringify(Array.from({ length: perRequest }, (_, i) => ({ id: `b-${r}-${i}`, type: "purchase", userId: `u-${(r * perRequest + i) % 10_000}`, props: { amount: 12.5 } })));
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const requests = Math.ceil(total / perRequest);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const r = next++;
        const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, { method: "POST", body: body(r), headers: { "x-api-key": key.token } });
        if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      }
    }),
  );
  const ingested = performance.now();
  for (;;) {
    const ends = await world.kafka.admin.endOffsets([outTopic]);
    if (ends.reduce((s, o) => s + o.offset, 0n) >= BigInt(requests * perRequest)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  const events = requests * perRequest;
  const result = {
    events,
    ingestSeconds: +((ingested - started) / 1000).toFixed(2),
    endToEndSeconds: +((done - started) / 1000).toFixed(2),
    eventsPerSecond: Math.round(events / ((done - started) / 1000)),
    cpuMicrosPerEvent: +((cpu.user + cpu.system) / events).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await running.stop();
  await world.close();
}
