/**
 * What a failed build says: user errors (InputError, CheckFailed, the cab library's
 * CabError) already name the file and the problem; a refused system call (a folder that is
 * a file, no space, no permission) becomes an InputError; anything else is wrapped to say
 * which stage failed and what became of the previous output: left as it was, unless
 * publish (the only step that touches it) says otherwise.
 */
import { CheckFailed, InputError } from "../util/errors.js";
import type { OutputLayout } from "./plan.js";
import type { BuildProgress, BuildStage } from "./progress.js";
import { PublishFailed } from "./publish.js";

/** Passes progress through, remembering the stage under way. */
export class StageTracker implements BuildProgress {
  current: BuildStage | undefined;
  constructor(private readonly inner: BuildProgress) {}
  begin(stage: BuildStage, totalBytes: number, files: number): void {
    this.current = stage;
    this.inner.begin(stage, totalBytes, files);
  }
  advance(file: string, bytes: number): void {
    this.inner.advance(file, bytes);
  }
  end(stage: BuildStage): void {
    this.inner.end(stage);
  }
  warn(message: string): void {
    this.inner.warn(message);
  }
}

export function explainFailure(
  err: unknown,
  stage: BuildStage | undefined,
  layout: OutputLayout,
): unknown {
  if (err instanceof InputError || err instanceof CheckFailed) return err;
  if (typeof err === "object" && err !== null && (err as Error).name === "CabError") return err;
  // Only publish can touch OUT/NAME; it says what it did. Before publish, nothing did.
  const state = err instanceof PublishFailed ? err.outputState : `${layout.dir} was left as it was`;
  const cause = err instanceof PublishFailed ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  const where = `build failed in the ${stage ?? "setup"} stage (${state})`;
  // A system call refused (ENOTDIR, EACCES, ENOSPC...): the folders given are at fault, not
  // cabwright, so it is bad input, one line, no stack.
  const sys = cause as NodeJS.ErrnoException;
  if (typeof sys?.code === "string" && typeof sys.syscall === "string") {
    return new InputError(`${where}: ${message}`);
  }
  return new Error(`${where}: ${message}`, { cause });
}
