// The runner's entry point: validates the environment, then runs RUNNER_PROCESSES engine processes.
// One: this process is the engine (engine-process.ts). Several: this process is their supervisor
// (supervisor.ts, the node:cluster primary) and each worker it forks is an engine process.
//
// Exit codes: 0 clean stop, 1 crash or unclean stop, 69 a service unreachable at start, 78 bad env or port.
import cluster from "node:cluster";
import { EXIT_CONFIG, EnvError, loadEnv, runnerProcessCount, type RunnerEnv } from "./env";
import { createLogger } from "./log";

function readEnvOrExit(): RunnerEnv {
  try {
    return loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`runner: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

const env = readEnvOrExit();
const processes = runnerProcessCount(env);
// The engine and the supervisor are loaded only where they run: the supervisor stays small.
const started =
  cluster.isPrimary && processes > 1
    ? import("./supervisor").then(({ supervise }) =>
        supervise(
          env,
          processes,
          createLogger({
            level: env.LOG_LEVEL,
            base: { runnerId: env.RUNNER_ID, role: "supervisor", pid: process.pid },
          }),
        ),
      )
    : import("./engine-process").then(({ runEngineProcess }) =>
        runEngineProcess(
          env,
          // A supervised process's RUNNER_ID is the supervisor's plus its number (`<id>-2`).
          createLogger({
            level: env.LOG_LEVEL,
            base: { runnerId: env.RUNNER_ID, ...(cluster.isWorker ? { pid: process.pid } : {}) },
          }),
        ),
      );
started.catch((err: unknown) => {
  createLogger({ level: env.LOG_LEVEL, base: { runnerId: env.RUNNER_ID } }).fatal({ err }, "runner failed to start");
  process.exit(1);
});
