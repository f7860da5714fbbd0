/**
 * The two kinds of failure a user can cause, kept apart from bugs.
 * One place (cli/main.ts) maps them to exit codes:
 *   InputError  -> 2  bad input or usage (a file, a manifest, a flag)
 *   CheckFailed -> 1  a verification or diff rule failed
 *   anything else -> 3, "this is a bug", with the stack
 */

export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  bug: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem and where it is: a file, and a line and column when the input has lines. */
export interface LocatedProblem {
  readonly file: string | undefined;
  /** 1-based. */
  readonly line: number | undefined;
  /** 1-based. */
  readonly column: number | undefined;
  /** What is wrong, without the location. */
  readonly message: string;
}

/**
 * "FILE:LINE:COL what is wrong" (the manifest's and every text reader's form) split into
 * its parts; any other line is a message with no location. FILE holds no colon but a drive
 * prefix (C:\\x.yaml), so "m.yaml: time 12:30:00" is not read as a position.
 */
export function locateProblem(text: string): LocatedProblem {
  const m = /^((?:[A-Za-z]:[\\/])?[^:\n]+):(\d+):(\d+)(?::\s*|\s+|$)/.exec(text);
  if (!m) return { file: undefined, line: undefined, column: undefined, message: text };
  return {
    file: m[1],
    line: Number(m[2]),
    column: Number(m[3]),
    message: text.slice(m[0].length) || text,
  };
}

/** Bad input or usage: the message says which file, where, and what was expected. */
export class InputError extends Error {
  readonly exitCode = ExitCode.badInput;
  /** Further one-line problems found along with the first (all reported). */
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = "InputError";
    this.details = details;
  }

  /** Every problem (the message, then the details), each with its file, line and column. */
  get problems(): readonly LocatedProblem[] {
    return [this.message, ...this.details].map(locateProblem);
  }
}

/** A check that ran to completion and found the subject wanting (verify, diff --fail-on). */
export class CheckFailed extends Error {
  readonly exitCode = ExitCode.checkFailed;
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

const OUT_OF_ROOM = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EROFS"]);

/**
 * Errors that carry their own exit code: ours, the cab library's (by duck typing), and
 * system calls refused on a path.
 */
export function exitCodeOf(err: unknown): ExitCode | undefined {
  if (err instanceof InputError || err instanceof CheckFailed) return err.exitCode;
  if (typeof err === "object" && err !== null && "name" in err && err.name === "CabError") {
    return ExitCode.badInput;
  }
  // A system call refused on a path the user gave (EACCES, ENOTDIR, ENOSPC, EROFS...): its
  // message names the call and the path, which is what the user needs; no stack.
  const sys = err as NodeJS.ErrnoException | null;
  if (typeof sys?.code === "string" && typeof sys.syscall === "string" && sys.path !== undefined) {
    return ExitCode.badInput;
  }
  // The machine refused a write (a full disk, a quota, a read-only file system): the
  // user's to fix, even where the call (a write on an open file) names no path.
  if (typeof sys?.code === "string" && OUT_OF_ROOM.has(sys.code)) return ExitCode.badInput;
  return undefined;
}
