// CPU time per process (with its descendants: the runner's engine processes) and for the whole machine
// from /proc (Linux), for CPU-per-event figures that include the broker and Redis, which run on the
// same cores as the runner; and the memory of a process with its descendants.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Kernel clock ticks per second (USER_HZ); 100 on every Linux architecture we run on. */
const TICKS_PER_SECOND = 100;

/** Parent pid and CPU ticks of a process from /proc/<pid>/stat; null when it is gone or unreadable. */
function readStat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // ppid is field 4 of stat; utime, stime, cutime, cstime fields 14-17 (1, 11-14 after the name).
    // cutime/cstime: children that exited and were waited for (a restarted worker's CPU stays counted).
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return { ppid: Number(fields[1]), ticks };
  } catch {
    return null;
  }
}

/** The pids of every live descendant of `pid` (children, their children, ...). */
function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * User + system CPU seconds a process and all its descendants have used so far (a runner's
 * supervisor and its engine processes; exited children it waited for included); null when it is gone.
 */
export function processCpuSeconds(pid: number): number | null {
  const own = readStat(pid);
  if (!own) return null;
  const ticks = descendantPids(pid).reduce((sum, child) => sum + (readStat(child)?.ticks ?? 0), own.ticks);
  return ticks / TICKS_PER_SECOND;
}

/**
 * Resident memory of a process and all its descendants (bytes), from /proc/<pid>/smaps_rollup: `rss`
 * sums each process's RSS, so pages they share (the node binary, libraries) count once per process;
 * `pss` charges a shared page to its sharers in proportion, so it is the memory the process tree takes
 * from the machine. Null when the process is gone.
 */
export function processTreeMemory(pid: number): { rss: number; pss: number } | null {
  const read = (p: number) => {
    try {
      const text = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
      return { rss: kib("Rss"), pss: kib("Pss") };
    } catch {
      return null;
    }
  };
  const own = read(pid);
  if (!own) return null;
  for (const child of descendantPids(pid)) {
    const m = read(child);
    if (m) [own.rss, own.pss] = [own.rss + m.rss, own.pss + m.pss];
  }
  return own;
}

/** Busy CPU seconds of the whole machine (every core: all time but idle and iowait) so far. */
export function machineCpuSeconds(): number {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
  return busy / TICKS_PER_SECOND;
}

/**
 * The local Kafka broker's process: a JVM running kafka.Kafka. With several on the machine, the one
 * listening on `port` (the port of KAFKA_BROKERS: its listening socket is among the JVM's open files).
 * Null when there is none or it cannot be told apart.
 */
export function findBrokerPid(
  port = Number((process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",")[0]!.split(":").at(-1)),
): number | null {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline.includes("kafka.Kafka")) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  if (found.length <= 1) return found[0] ?? null;
  const listening = listeningSocketInodes(port);
  const owners = found.filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          return target.startsWith("socket:[") && listening.has(target.slice(8, -1));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
  return owners.length === 1 ? owners[0]! : null;
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningSocketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        // local_address is "<ip>:<port>", st 0A = LISTEN, inode is column 10.
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
      }
    } catch {
      // No IPv6 on this machine.
    }
  }
  return inodes;
}

export type CpuSample = { at: number; machine: number; processes: Record<string, number | null> };

/** CPU seconds so far of the named processes and the machine. */
export function sampleCpu(pids: Record<string, number | null>): CpuSample {
  const processes: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) processes[name] = pid === null ? null : processCpuSeconds(pid);
  return { at: performance.now(), machine: machineCpuSeconds(), processes };
}

/** µs of CPU per event between two samples, per process and machine-wide (null for a process that could not be read). */
export function cpuMicrosPerEvent(
  before: CpuSample,
  after: CpuSample,
  events: number,
): { machine: number; processes: Record<string, number | null> } {
  const per = (seconds: number) => +((seconds * 1e6) / Math.max(1, events)).toFixed(1);
  const processes: Record<string, number | null> = {};
  for (const [name, b] of Object.entries(before.processes)) {
    const a = after.processes[name];
    processes[name] = b === null || a === null || a === undefined ? null : per(a - b);
  }
  return { machine: per(after.machine - before.machine), processes };
}
