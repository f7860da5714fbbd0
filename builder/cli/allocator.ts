/**
 * The memory allocator a build runs with (issue 18: peak RSS bounded whatever the drop).
 *
 * glibc's malloc serves a request of at least its mmap threshold (128 KiB) with a mapping of
 * its own, given back to the system when freed. But after each such free it raises the
 * threshold to the freed size (up to 32 MiB), so that from then on every file-sized buffer
 * (a file read whole to be stamped, read back by verify) comes from its arenas, one per
 * thread, whose free holes stay resident: the process then grows with the number of files
 * it has handled (a 500 MB drop: 315 MiB after the stage against 138 MiB with the threshold
 * fixed). The threshold can only be fixed when the process starts (MALLOC_MMAP_THRESHOLD_,
 * read at the first malloc), so a command that handles a whole drop, started without it,
 * runs itself once more with it: the first process only waits, passing signals on (it
 * costs about 6 MB of its own and 40 ms).
 *
 * Elsewhere (macOS, Windows, musl) the allocators give large blocks back by themselves:
 * nothing is done.
 */
import { spawn } from "node:child_process";
import { SUPERVISOR_VAR } from "../util/owner.js";

/**
 * glibc's own default threshold (128 KiB), fixed: its rise after a free is turned off. And
 * one arena for every thread: what a thread frees (a stage worker, a compression worker
 * now gone) is then reused by the others, instead of staying resident in its own arena
 * (a 1 GB drop: verify's peak 255 MiB with an arena per thread, 210 MiB with one).
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(128 * 1024),
  MALLOC_ARENA_MAX: "1",
};

/** Set to 1, the command runs as it was started (no second process). */
export const KEEP_ALLOCATOR_VAR = "CABWRIGHT_KEEP_ALLOCATOR";

/** The commands that hold a drop's files one after another: build, demo (a build), verify. */
const HEAVY_COMMANDS: ReadonlySet<string> = new Set(["build", "demo", "verify"]);

/** The signals passed on to the process that does the work. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface AllocatorFacts {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** The C library is glibc (process.report's glibcVersionRuntime). */
  readonly glibc: () => boolean;
}

/**
 * Whether `command` should run in a process started with ALLOCATOR_ENV: a heavy command,
 * on glibc, and a setting of ALLOCATOR_ENV missing from the environment (the restarted
 * process has them all; a user's own GLIBC_TUNABLES for malloc is left as it is), unless
 * KEEP_ALLOCATOR_VAR says not to.
 */
export function needsAllocatorRestart(command: string | undefined, facts: AllocatorFacts): boolean {
  if (command === undefined || !HEAVY_COMMANDS.has(command)) return false;
  if (facts.platform !== "linux") return false;
  const { env } = facts;
  if (env[KEEP_ALLOCATOR_VAR] === "1") return false;
  if (Object.keys(ALLOCATOR_ENV).every((k) => env[k] !== undefined)) return false;
  if (env.GLIBC_TUNABLES?.includes("glibc.malloc.")) return false;
  return facts.glibc();
}

/** The restarted process's environment: ALLOCATOR_ENV, where the user gave no value. */
export function restartEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...ALLOCATOR_ENV, ...env };
}

export function isGlibc(): boolean {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })
    ?.header;
  return typeof header?.glibcVersionRuntime === "string";
}

/**
 * Run this same command line again with ALLOCATOR_ENV and wait for it: resolves with its
 * exit code. A signal this process gets is passed on; when the child is ended by a signal,
 * this process ends by the same one. Resolves undefined when the child cannot be started
 * (the caller then runs the command itself).
 */
export function rerunWithAllocator(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: "inherit",
      // The child stands for this process (util/owner.ts) and ends with it.
      env: { ...restartEnv(process.env), [SUPERVISOR_VAR]: String(process.pid) },
    });
    const pass = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    const handlers = FORWARDED.map((s) => [s, pass(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const stop = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    child.on("error", () => {
      stop();
      resolve(undefined);
    });
    child.on("exit", (code, signal) => {
      stop();
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}
