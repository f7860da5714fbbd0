/**
 * Which process stands for this run. A build the CLI restarted (cli/allocator.ts: glibc's
 * allocator is set only at process start) does its work in a child of the process the user
 * started; that first process is the one a user, a CI service or a test knows, signals and
 * waits for. So the child names it as the owner (the output lock's pid: "another build
 * (pid N) is writing it" names the pid that was started), and ends when it ends: a `kill -9`
 * of the first process, which cannot be passed on, ends the child within POLL_MS too.
 */

/** Set by the restarting process in its child's environment: its own pid. */
export const SUPERVISOR_VAR = "CABWRIGHT_SUPERVISOR_PID";

/** How often the child checks that its first process still runs. */
const POLL_MS = 20;

let supervisor: number | undefined;

/**
 * In a restarted child (SUPERVISOR_VAR names its parent): take the parent as this run's
 * owner and end, as if killed, as soon as the parent is gone (the child is then adopted:
 * its parent pid changes). The variable is removed, so programs this one starts do not
 * take it for theirs. Elsewhere: nothing. Returns the supervisor's pid, if any.
 */
export function adoptSupervisor(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[SUPERVISOR_VAR];
  delete env[SUPERVISOR_VAR];
  if (value === undefined) return undefined;
  // Gone already (killed before this process got here): end as it would have ended it.
  if (value !== String(process.ppid)) process.kill(process.pid, "SIGKILL");
  const pid = Number(value);
  supervisor = pid;
  setInterval(() => {
    if (process.ppid !== pid) process.kill(process.pid, "SIGKILL");
  }, POLL_MS).unref();
  return pid;
}

/** The pid that stands for this run: the supervisor's when restarted, else this process's. */
export function ownerPid(): number {
  return supervisor ?? process.pid;
}
