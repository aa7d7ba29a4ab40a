// Provokes a real consumer-group error on the real broker, no fault injection: a process stall.
//
// A member of our consumer group whose process stalls (long GC pause, starved CPU) past its session
// timeout is dropped by the broker. If, meanwhile, another client joins the now empty group with a
// protocol our consumer does not speak, our consumer's next heartbeat learns it was dropped
// (UNKNOWN_MEMBER_ID), it rejoins, and the broker refuses the join (INCONSISTENT_GROUP_PROTOCOL, not
// retriable): @platformatic/kafka emits that as an `error` event on its Consumer object, the path of
// CHAOS.md finding 5 ("joinGroup failed 4 times" after a rebalance storm). While that client stays
// in the group, any new consumer of ours fails to join as well; once it leaves, joining works again.
//
// The foreign client runs in a child process (it must act while this process is stalled); `stall()`
// blocks this process's event loop until the child has joined. It speaks to the broker with the
// client library directly, so it lives in this package (the only one allowed to import it); tests of
// other packages import this file by path, it is not part of the package's API.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the child resolves the client library from: this package. */
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const CHILD = `
import { writeFileSync } from "node:fs";
import { Consumer } from "@platformatic/kafka";
const [brokers, groupId, topic, flag] = process.argv.slice(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let consumer;
let stopping = false;
process.on("SIGTERM", async () => {
  stopping = true;
  await consumer?.close().catch(() => {});
  process.exit(0);
});
process.stdout.write("trying\\n");
while (!stopping) {
  consumer = new Consumer({
    clientId: "sluice-test-foreign",
    bootstrapBrokers: brokers.split(","),
    groupId,
    protocols: [{ name: "sluice-test-foreign", version: 1 }],
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 500,
    retries: 0,
    // It must not move the group's offsets: the records it is handed are not its to take.
    autocommit: false,
  });
  consumer.on("error", () => {});
  try {
    const stream = await consumer.consume({ topics: [topic], mode: "latest", autocommit: false });
    stream.on("error", () => {});
    stream.on("data", () => {});
    break;
  } catch {
    await consumer.close().catch(() => {});
    await sleep(200);
  }
}
writeFileSync(flag, "joined");
process.stdout.write("joined\\n");
setInterval(() => {}, 1000);
`;

export type ForeignMember = {
  /** Blocks this process (event loop included) until the foreign client is in the group, `maxMs` at most. */
  stall(maxMs: number): boolean;
  /** The foreign client leaves the group and its process exits. */
  stop(): Promise<void>;
};

/** Starts the foreign client; it keeps trying to join `groupId` until it gets in. */
export async function startForeignMember(brokers: string, groupId: string, topic: string): Promise<ForeignMember> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-foreign-"));
  const flag = join(dir, "joined");
  const child: ChildProcess = spawn(
    process.execPath,
    ["--input-type=module", "-e", CHILD, brokers, groupId, topic, flag],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Its first attempt was refused (our member is in the group) before we stall.
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("trying") && resolve());
    child.once("exit", (code) => reject(new Error(`foreign group member exited (${code})`)));
  });
  await new Promise((r) => setTimeout(r, 500));
  return {
    stall(maxMs) {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      const deadline = Date.now() + maxMs;
      while (!existsSync(flag) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 100);
      return existsSync(flag);
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
